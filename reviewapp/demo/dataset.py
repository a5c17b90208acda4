"""The whole generated data set: applications under review, their library, prior-art hints.

A seeded generator turns each topic of areas.json into one published application under review
and two or three library documents that share its vocabulary: an older document disclosing
every step of its first claim, for most topics an older one disclosing only part of it, and
for one topic per area a *later* document (filed and published after the application's
priority date: similar, but not prior art). The hints record which library document is meant
as prior art for which application, with a pinpoint, an excerpt and an explanation. Library
grants cite earlier library documents of their area (by date and area only, never by hint),
so the library has a citation network. The documents are the same on every run and on every
day; only the windows depend on the moment of loading.
"""
from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache

from ..ingest.records import Category
from ..models.application import CLOSED, OPEN, PENDING
from .data import area_reviewers, areas, story, vocabulary
from .documents import make_document, people, topic_kind
from .numbers import PROVISIONAL_SERIES, THURSDAY, TUESDAY, Numbers, on_weekday, serial_in
from .specs import (
    ANTICIPATES,
    OBVIOUS,
    SEED,
    TOO_LATE,
    UNRELATED,
    CitationSpec,
    DemoDataset,
    DocSpec,
    PriorArtHint,
    ReviewSpec,
    WindowSpec,
)
from .wording import capitalise, gerund, series, strip_article, title_case


def library_title(rng: random.Random, topic: dict, role: str, used: set[str]) -> str:
    """A title for a library document, in another wording than the application's."""
    s, d, c = topic["subject"], topic["device"], topic["context"]
    f = strip_article(topic["feature"])
    if topic_kind(topic) == "product":
        options = [f"Method for {s}", f"{d} with {f}", f"{d} and method of making the same",
                   f"Process for {s}"]
    elif role == "partial":
        options = [f"Systems and methods for {s}", f"{d} for {s}", f"Techniques for {s} in {c}",
                   f"Method of {s} for {c}"]
    else:
        options = [f"{s} using {f}", f"Method and apparatus for {s} in {c}",
                   f"Apparatus and method for {s} based on {f}", f"{d} for {s}"]
    rng.shuffle(options)
    for option in options:
        title = title_case(capitalise(option))
        if title not in used:
            used.add(title)
            return title
    raise AssertionError(f"no free title for {topic['key']}")  # pragma: no cover


def reword(rng: random.Random, steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Let a library document say some steps with other verbs (same nouns)."""
    return [(vocabulary()["synonyms"].get(v, v) if rng.random() < 0.5 else v, o) for v, o in steps]


def library_dates(rng: random.Random, published: dt.date, doc_type: str
                  ) -> tuple[dt.date, dt.date, dt.date, tuple[str, dt.date] | None]:
    """Return (publication, filing, priority, provisional) around a publication date."""
    weekday = TUESDAY if doc_type == "grant" else THURSDAY
    published = on_weekday(published, weekday, forward=False)
    if doc_type == "grant":
        filed = published - dt.timedelta(days=rng.randint(700, 1500))
    else:
        filed = published - dt.timedelta(days=rng.randint(500, 545))
    provisional = None
    priority = filed
    if rng.random() < 0.35:
        priority = filed - dt.timedelta(days=rng.randint(200, 364))
        provisional = (serial_in(priority, PROVISIONAL_SERIES, rng), priority)
    return published, filed, priority, provisional


def build_dataset(seed: int = SEED) -> DemoDataset:
    """Generate the whole demo data set: the same for the same seed, on any day."""
    numbers = Numbers()
    titles: set[str] = set()
    reviews: list[ReviewSpec] = []
    library: list[DocSpec] = []
    hints: list[PriorArtHint] = []
    reviewers_of = area_reviewers()
    topics = [(area, topic) for area in areas() for topic in area["topics"]]
    windows = window_plan(random.Random(f"{seed}:windows"), len(topics))
    for index, (area, topic) in enumerate(topics):
        rng = random.Random(f"{seed}:{topic['key']}")
        steps, extra = topic["steps"][:4], topic["steps"][4:]
        # The application under review.
        priority = dt.date(2023, 7, 10) + dt.timedelta(days=rng.randint(0, 315))
        provisional = None
        filed = priority
        if rng.random() < 0.4:
            provisional = (serial_in(priority, PROVISIONAL_SERIES, rng), priority)
            filed = priority + dt.timedelta(days=rng.randint(300, 364))
        published = on_weekday(priority + dt.timedelta(days=548), THURSDAY)
        applicants = [rng.choice(area["applicants"])]
        if rng.random() < 0.15:
            applicants.append(vocabulary()["institute"])
        app = make_document(rng, numbers, area, topic, role="review", title=topic["title"],
                            steps=steps, extra=extra, doc_type="application", kind="A1",
                            published=published, filed=filed, priority=priority,
                            provisional=provisional, applicants=applicants)
        titles.add(app.title)
        reviews.append(ReviewSpec(app, windows[index]))
        reviewers = reviewers_of[area["key"]]

        # An older document disclosing every step of claim 1 (other verbs, same nouns).
        doc_type, kind = pick_type(rng)
        dates = library_dates(rng, priority - dt.timedelta(days=rng.randint(540, 3300)), doc_type)
        close = make_document(
            rng, numbers, area, topic, role="anticipation",
            title=library_title(rng, topic, "anticipation", titles),
            steps=reword(rng, steps), extra=reword(rng, extra[1:]), doc_type=doc_type,
            kind=kind, published=dates[0], filed=dates[1], priority=dates[2],
            provisional=dates[3], applicants=[rng.choice(area["applicants"] + [vocabulary()["institute"]])],
            cpc_shift=rng.randint(0, 1))
        library.append(close)
        hints.append(anticipation_hint(app, close, topic, reviewers[0]))

        # Most topics: an older document disclosing claim 1 except its last step.
        if index % 3 != 2:
            doc_type, kind = pick_type(rng)
            dates = library_dates(rng, priority - dt.timedelta(days=rng.randint(365, 4300)),
                                  doc_type)
            partial_steps = reword(rng, steps[:3] + extra[:1])
            partial = make_document(
                rng, numbers, area, topic, role="partial",
                title=library_title(rng, topic, "partial", titles), steps=partial_steps,
                extra=[], doc_type=doc_type, kind=kind, published=dates[0], filed=dates[1],
                priority=dates[2], provisional=dates[3],
                applicants=[rng.choice(area["applicants"])], cpc_shift=rng.randint(0, 2))
            library.append(partial)
            hints.append(partial_hint(app, partial, topic, steps, reviewers[-1]))

        # The first topic of each area: a later, equally close document (not prior art).
        if topic is area["topics"][0]:
            filed_late = priority + dt.timedelta(days=rng.randint(20, 120))
            late = make_document(
                rng, numbers, area, topic, role="late",
                title=library_title(rng, topic, "late", titles), steps=reword(rng, steps),
                extra=reword(rng, extra[:1]), doc_type="application", kind="A1",
                published=on_weekday(filed_late + dt.timedelta(days=548), THURSDAY),
                filed=filed_late, priority=filed_late, provisional=None,
                applicants=[rng.choice(area["applicants"])])
            library.append(late)
            hints.append(late_hint(app, late, topic, reviewers[0]))

    # Every fourth application: a library document of another area (a weak submission).
    for index, review in enumerate(reviews):
        if index % 4 == 3:
            other = next(doc for doc in library[(index * 7) % len(library):] + library
                         if doc.area != review.document.area and doc.role != "late")
            hints.append(unrelated_hint(review.document, other,
                                        reviewers_of[review.document.area][-1]))
    add_citations(library, random.Random(f"{seed}:citations"))
    return DemoDataset(reviews, library, hints)


# Who put a reference on a grant: examiners cite most of what a library holds.
CITERS: tuple[Category, ...] = ("cited by examiner", "cited by examiner", "cited by applicant")


def add_citations(library: list[DocSpec], rng: random.Random) -> None:
    """Let each library grant cite one to three library documents of its area published before
    it was filed, and an older patent the library does not hold, as a grant's XML lists them."""
    for doc in library:
        if doc.doc_type != "grant":
            continue
        earlier = [other for other in library
                   if other.area == doc.area and other.publication_date < doc.filing_date]
        for cited in rng.sample(earlier, min(len(earlier), rng.randint(1, 3))):
            doc.cites.append(CitationSpec(cited.doc_number, cited.kind, cited.publication_date,
                                          cited.applicants[0], rng.choice(CITERS)))
        outside = dt.date(1991, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
        doc.cites.append(CitationSpec(f"{rng.randint(5_000_000, 5_999_999):08d}", "A", outside,
                                      people(rng, 1)[0], rng.choice(CITERS)))
        doc.cites.sort(key=lambda citation: citation.date)


def pick_type(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.45:
        return "grant", "B2"
    if roll < 0.65:
        return "grant", "B1"
    return "application", "A1"


def window_plan(rng: random.Random, count: int) -> list[WindowSpec]:
    """Most windows open (a few closing within a week), some closed, some not yet open."""
    order = list(range(count))
    rng.shuffle(order)
    plan: dict[int, WindowSpec] = {}
    for rank, index in enumerate(order):
        if rank < 5:
            plan[index] = WindowSpec(CLOSED, rng.uniform(100, 200))
        elif rank < 9:
            plan[index] = WindowSpec(PENDING, None)
        elif rank < 13:
            plan[index] = WindowSpec(OPEN, rng.uniform(83.5, 89.5))  # closes within a week
        else:
            plan[index] = WindowSpec(OPEN, rng.uniform(5, 80))
    return [plan[i] for i in range(count)]


def limit(explanation: str, size: int = 1000) -> str:
    """Cut an explanation to the form's limit, at a sentence end when possible."""
    if len(explanation) <= size:
        return explanation
    cut = explanation[:size]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > size // 2 else cut[: size - 1] + "…"


def independent_numbers(doc: DocSpec) -> tuple[int, ...]:
    return tuple(c.number for c in doc.claims if c.independent)


def explain(relation: str, **values: object) -> str:
    """Return the explanation of story.toml for a hint of `relation`, within the form's limit."""
    key = relation.replace(" ", "_")
    return limit(story()["explanations"][key].format(**values))


def anticipation_hint(app: DocSpec, doc: DocSpec, topic: dict, reviewer: str) -> PriorArtHint:
    steps = next(c for c in doc.claims if c.independent).text.split(": ", 1)[1].rstrip(".")
    claims = independent_numbers(app)
    explanation = explain(
        ANTICIPATES, number=doc.publication_number, published=doc.publication_date.isoformat(),
        subject=topic["subject"], pinpoint=doc.pinpoint, steps=steps,
        parallel=series([str(n) for n in claims[1:]]))
    return PriorArtHint(app.publication_number, doc.publication_number, ANTICIPATES, claims,
                        doc.pinpoint, doc.excerpt, explanation, True, reviewer)


def partial_hint(app: DocSpec, doc: DocSpec, topic: dict, steps: list[tuple[str, str]],
                 reviewer: str) -> PriorArtHint:
    explanation = explain(OBVIOUS, number=doc.publication_number, subject=topic["subject"],
                          pinpoint=doc.pinpoint, missing=f"{gerund(steps[3][0])} {steps[3][1]}")
    return PriorArtHint(app.publication_number, doc.publication_number, OBVIOUS, (1,),
                        doc.pinpoint, doc.excerpt, explanation, True, reviewer)


def late_hint(app: DocSpec, doc: DocSpec, topic: dict, reviewer: str) -> PriorArtHint:
    explanation = explain(TOO_LATE, number=doc.publication_number, subject=topic["subject"],
                          pinpoint=doc.pinpoint, filed=doc.filing_date,
                          published=doc.publication_date, priority=app.priority_date)
    return PriorArtHint(app.publication_number, doc.publication_number, TOO_LATE,
                        independent_numbers(app), doc.pinpoint, doc.excerpt, explanation,
                        False, reviewer)


def unrelated_hint(app: DocSpec, doc: DocSpec, reviewer: str) -> PriorArtHint:
    explanation = explain(UNRELATED, number=doc.publication_number, title=doc.title)
    return PriorArtHint(app.publication_number, doc.publication_number, UNRELATED, (1,),
                        doc.pinpoint, doc.excerpt, explanation,
                        doc.publication_date < app.priority_date, reviewer)


@lru_cache(maxsize=1)
def dataset() -> DemoDataset:
    """Return the demo data set (built once per process)."""
    return build_dataset()


@lru_cache(maxsize=1)
def prior_art_by_application() -> dict[str, list[PriorArtHint]]:
    """Return the hints by application: ANTICIPATES and OBVIOUS ones make good submissions,
    TOO_LATE ones show the date check, UNRELATED ones a weak submission."""
    mapping: dict[str, list[PriorArtHint]] = {}
    for hint in dataset().prior_art:
        mapping.setdefault(hint.application, []).append(hint)
    return mapping


# application publication number -> the library documents meant as (or looking like) its
# prior art. Use the hints with relation ANTICIPATES or OBVIOUS for good submissions,
