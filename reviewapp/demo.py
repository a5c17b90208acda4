"""The demo data set: accounts, applications under review and a prior-art library.

Everything here is invented and written for this project (see `demo_text`). A seeded
generator turns each topic of `demo_text.AREAS` into one published application under
review and two or three library documents that share its vocabulary: an older document
disclosing every step of its first claim, for most topics an older one disclosing only
part of it, and for one topic per area a *later* document (filed and published after the
application's priority date: similar, but not prior art). `PRIOR_ART` records which library
document is meant as prior art for which application, with a pinpoint, an excerpt and an
explanation, so that demo submissions can be made from it.

The documents (numbers, texts, dates) are the same on every run and on every day; only the
review windows are placed relative to the moment of loading. `load_demo` flushes, never
commits; loading twice changes nothing; `reset=True` first deletes the demo's own rows.
The demo accounts' passwords are public: they are for demonstrations only.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from sqlalchemy import Table, delete, func, inspect, select, update
from sqlalchemy.orm import Session

from . import demo_text as text
from .models import Application, Claim, Classification, Comment, Document, User
from .models.application import CLOSED, OPEN, PENDING
from .models.base import utcnow

log = logging.getLogger(__name__)

SOURCE = "demo"  # Document.source of every demo document
SEED = 20250731
WINDOW_DAYS = 90

# (email, password, role, display name). Demo-only passwords: never use them on a real site.
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("volunteer@example.org", "volunteer-demo-1", "volunteer", "Ada R."),
    ("owl@example.org", "volunteer-demo-2", "volunteer", "prior_art_owl"),  # a pseudonym
    ("tomas@example.org", "volunteer-demo-3", "volunteer", "Tomás G."),
    ("mei@example.org", "volunteer-demo-4", "volunteer", "Mei L."),
    ("jonas@example.org", "volunteer-demo-5", "volunteer", "Jonas K."),
    ("examiner@example.org", "examiner-demo-1", "examiner", "Examiner Demo"),
    ("admin@example.org", "admin-demo-pass", "admin", "Admin Demo"),
]
DEMO_EMAILS = tuple(account[0] for account in DEMO_ACCOUNTS)

# email -> (affiliation, expertise as CPC prefixes, bio); the areas a volunteer reviews.
ACCOUNT_PROFILES: dict[str, tuple[str, list[str], str]] = {
    "volunteer@example.org": (
        "Retired radio engineer", ["H04W", "H04B", "H04L"],
        "Thirty years of base-station design; now reads wireless applications for fun.",
    ),
    "owl@example.org": (
        "", ["H01M", "H01L", "C23C"],
        "Materials scientist reviewing under a pseudonym. Batteries and thin films.",
    ),
    "tomas@example.org": (
        "Graduate student, biomedical engineering", ["A61B", "G06N", "G16H"],
        "Works on wearable sensors and the models that read them.",
    ),
    "mei@example.org": (
        "Automotive software developer", ["B60W", "B60L", "A23L", "A01G"],
        "Vehicle dynamics by day, orchard and greenhouse technology by weekend.",
    ),
    "jonas@example.org": (
        "Patent librarian", ["H04L", "G06F", "A23B"],
        "Knows where the old documents are; happy to help newcomers search.",
    ),
    "examiner@example.org": ("Demo examining unit", [], "Demo examiner account."),
    "admin@example.org": ("Site operators", [], "Demo administrator account."),
}

# Which volunteer (by email) reviews which area (by key), for hints and later submissions.
AREA_REVIEWERS: dict[str, list[str]] = {
    "wireless": ["volunteer@example.org", "jonas@example.org"],
    "security": ["volunteer@example.org", "jonas@example.org"],
    "battery": ["owl@example.org", "mei@example.org"],
    "medical": ["tomas@example.org", "jonas@example.org"],
    "ml": ["tomas@example.org", "volunteer@example.org"],
    "vehicle": ["mei@example.org", "owl@example.org"],
    "semiconductor": ["owl@example.org", "jonas@example.org"],
    "food": ["mei@example.org", "tomas@example.org"],
}

# Relations of a library document to an application (PriorArtHint.relation).
ANTICIPATES = "anticipates"  # discloses every step of claim 1 (35 U.S.C. 102)
OBVIOUS = "obvious"  # discloses most of claim 1 (35 U.S.C. 103)
TOO_LATE = "too late"  # as close as an anticipation, but published after the priority date
UNRELATED = "unrelated"  # another field: a weak submission for the ranking to push down


# --- the generated data set (no database) -------------------------------------------------


@dataclass(frozen=True)
class ClaimSpec:
    number: int
    text: str
    depends_on: tuple[int, ...] = ()

    @property
    def independent(self) -> bool:
        return not self.depends_on


@dataclass
class DocSpec:
    """One document to create; `role` is review | anticipation | partial | late."""

    publication_number: str
    doc_type: str
    kind: str
    doc_number: str
    application_number: str
    title: str
    abstract: str
    description: str
    publication_date: dt.date
    filing_date: dt.date
    priority_date: dt.date
    applicants: list[str]
    inventors: list[str]
    claims: list[ClaimSpec]
    cpc: list[str]
    ipc: list[str]
    area: str
    topic: str
    role: str
    pinpoint: str = ""  # the paragraphs describing the method, e.g. "[0014]-[0015]"
    excerpt: str = ""  # one sentence of those paragraphs


@dataclass(frozen=True)
class WindowSpec:
    """A review window relative to the loading time: opened `opened_days_ago` days ago."""

    status: str
    opened_days_ago: float | None  # None: not opened (pending)

    def times(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        if self.opened_days_ago is None:
            return None, None
        opens = now - dt.timedelta(days=self.opened_days_ago)
        return opens, opens + dt.timedelta(days=WINDOW_DAYS)


@dataclass
class ReviewSpec:
    document: DocSpec
    window: WindowSpec


@dataclass(frozen=True)
class PriorArtHint:
    """A library document meant as (or looking like) prior art for an application."""

    application: str  # publication number of the application under review
    document: str  # publication number of the library document
    relation: str  # ANTICIPATES | OBVIOUS | TOO_LATE | UNRELATED
    claims: tuple[int, ...]  # the application's claims it bears on
    pinpoint: str
    excerpt: str
    explanation: str  # at most 1,000 characters, as on the USPTO form
    before_priority: bool  # published before the application's earliest priority date
    reviewer: str  # email of the demo volunteer who would submit it


@dataclass
class DemoDataset:
    applications: list[ReviewSpec]
    library: list[DocSpec]
    prior_art: list[PriorArtHint]


# --- wording helpers ----------------------------------------------------------------------

SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
               "the", "to", "with"}


def article(phrase: str) -> str:
    """Return `phrase` with "a" or "an" in front."""
    word = phrase.split()[0].lower()
    vowel = word[0] in "aeiou" and not word.startswith(("user", "uni", "use", "eu", "one"))
    return f"{'an' if vowel else 'a'} {phrase}"


def gerund(verb: str) -> str:
    """receive -> receiving, transmit -> transmitting, fine-tune -> fine-tuning."""
    if verb in text.DOUBLING:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def third_person(verb: str) -> str:
    """receive -> receives, query -> queries, cache -> caches."""
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def title_case(phrase: str) -> str:
    """Capitalise the words of a title, except short function words after the first."""
    words = []
    for i, word in enumerate(phrase.split()):
        if i and word in SMALL_WORDS:
            words.append(word)
            continue
        parts = word.split("-")
        words.append("-".join(p if (j and p in SMALL_WORDS) else p[:1].upper() + p[1:]
                              for j, p in enumerate(parts)))
    return " ".join(words)


def capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def series(items: list[str], conjunction: str = "and") -> str:
    """a; a and b; a, b, and c."""
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} " + items[-1]


def claim_list(items: list[str]) -> str:
    """Claim elements: "a; b; and c"."""
    return "; ".join(items[:-1]) + "; and " + items[-1] if len(items) > 1 else items[0]


def strip_article(phrase: str) -> str:
    return re.sub(r"^(a|an|the) ", "", phrase)


def word_count(sentence: str) -> int:
    return len(sentence.split())


def clause_fits(clause: str, steps_text: str) -> bool:
    """Tell whether the thing a "wherein" clause talks about appears in the steps."""
    words = clause.split()
    if words[0] in ("the", "each", "an", "a") and len(words) > 2:
        return " ".join(words[1:3]) in steps_text
    return True


# --- dates and numbers --------------------------------------------------------------------

# First utility patent number granted in each year (approximately).
GRANT_NUMBERS = {
    2008: 7313829, 2009: 7472815, 2010: 7640598, 2011: 7861317, 2012: 8087094,
    2013: 8341762, 2014: 8621662, 2015: 8925114, 2016: 9226437, 2017: 9532496,
    2018: 9855637, 2019: 10165721, 2020: 10524025, 2021: 10881042, 2022: 11212263,
    2023: 11540428, 2024: 11856272, 2025: 12185601, 2026: 12520000, 2027: 12860000,
}
# Application series codes by filing date: (first day, code).
SERIES = [
    (dt.date(2005, 1, 1), "11"), (dt.date(2008, 1, 1), "12"), (dt.date(2011, 7, 1), "13"),
    (dt.date(2014, 2, 1), "14"), (dt.date(2016, 1, 1), "15"), (dt.date(2018, 4, 1), "16"),
    (dt.date(2020, 2, 1), "17"), (dt.date(2022, 2, 1), "18"), (dt.date(2024, 10, 1), "19"),
    (dt.date(2028, 1, 1), "20"),
]
PROVISIONAL_SERIES = [
    (dt.date(2000, 1, 1), "60"), (dt.date(2007, 6, 1), "61"), (dt.date(2014, 1, 1), "62"),
    (dt.date(2020, 5, 1), "63"), (dt.date(2030, 1, 1), "64"),
]
TUESDAY, THURSDAY = 1, 3


def on_weekday(day: dt.date, weekday: int, forward: bool = True) -> dt.date:
    """Move `day` to the nearest `weekday` (grants issue on Tuesdays, applications Thursdays)."""
    shift = (weekday - day.weekday()) % 7
    return day + dt.timedelta(days=shift) if forward else day - dt.timedelta(days=(7 - shift) % 7)


def serial_in(day: dt.date, table: list[tuple[dt.date, str]], rng: random.Random) -> str:
    """Return "18/123,456": the series of `day` and a serial growing through the series."""
    for (start, code), (end, _next) in zip(table, table[1:]):
        if start <= day < end:
            fraction = (day - start).days / (end - start).days
            serial = min(int(fraction * 990_000) + rng.randint(1, 9_000), 999_999)
            return f"{code}/{serial // 1000:03d},{serial % 1000:03d}"
    raise ValueError(f"no application series for {day}")


class Numbers:
    """Publication numbers that look real and never repeat within the data set."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def application(self, published: dt.date, rng: random.Random) -> tuple[str, str]:
        """Return (publication number, doc number) of an application published that day."""
        fraction = (published.timetuple().tm_yday - 1) / 366
        while True:
            serial = 1_000 + int(fraction * 370_000) + rng.randint(0, 5_000)
            doc_number = f"{published.year}{serial:07d}"
            if self.claim(f"US{doc_number}A1"):
                return f"US{doc_number}A1", doc_number

    def grant(self, granted: dt.date, kind: str, rng: random.Random) -> tuple[str, str]:
        """Return (publication number, zero-padded doc number) of a grant of that day."""
        start, end = GRANT_NUMBERS[granted.year], GRANT_NUMBERS[granted.year + 1]
        fraction = (granted.timetuple().tm_yday - 1) / 366
        while True:
            number = min(start + int(fraction * (end - start)) + rng.randint(0, 6_000), end - 1)
            if self.claim(f"US{number}{kind}"):
                return f"US{number}{kind}", f"{number:08d}"

    def claim(self, number: str) -> bool:
        if number in self.used:
            return False
        self.used.add(number)
        return True


# --- one document -------------------------------------------------------------------------


def topic_kind(topic: dict) -> str:
    return topic.get("kind", "system")


def make_claims(rng: random.Random, area: dict, topic: dict, steps: list[tuple[str, str]],
                extra: list[tuple[str, str]]) -> list[ClaimSpec]:
    """Return 8-20 claims: a method claim, a system or product claim, maybe a CRM claim,
    each followed by dependants built from `where` clauses and the `extra` steps."""
    device, kind = topic["device"], topic_kind(topic)
    steps_text = " ".join(obj for _verb, obj in steps)
    where = [c for c in topic["where"] if clause_fits(c, steps_text)]
    generic = [g.format(device=device) for g in area["generic"]] if kind == "system" else []
    pool = [("where", c) for c in where + generic] + [("step", s) for s in extra]
    claims: list[ClaimSpec] = []

    def add_group(independent: str, prefix: str, further, count: int) -> None:
        first = len(claims) + 1
        claims.append(ClaimSpec(first, independent))
        members = [first]
        for what, item in rng.sample(pool, min(count, len(pool))):
            parent = first if rng.random() < 0.7 else rng.choice(members)
            body = f"wherein {item}" if what == "where" else further(item)
            number = len(claims) + 1
            claims.append(ClaimSpec(number, f"{prefix} of claim {parent}, {body}.", (parent,)))
            members.append(number)

    by = "" if kind == "product" else f" performed by {article(device)}"
    method = (f"A method for {topic['subject']}{by}, the method comprising: "
              + claim_list([f"{gerund(v)} {o}" for v, o in steps]) + ".")
    add_group(method, "The method", lambda s: f"further comprising {gerund(s[0])} {s[1]}",
              rng.randint(4, 7))
    if kind == "product":
        product = f"{capitalise(article(device))} comprising: {claim_list(topic['elements'])}."
        pool[:] = [("where", c) for c in topic["where"]]
        add_group(product, f"The {device}", None, rng.randint(2, 4))
        return claims
    parts = [article(p) for p in topic["parts"]]
    system = (f"{capitalise(article(device))} comprising: " + "; ".join(parts)
              + "; one or more processors; and memory storing instructions that, when executed "
              f"by the one or more processors, cause the {device} to: "
              + claim_list([f"{v} {o}" for v, o in steps]) + ".")
    add_group(system, f"The {device}",
              lambda s: f"wherein the instructions further cause the {device} to {s[0]} {s[1]}",
              rng.randint(2, 5))
    if rng.random() < 0.65:
        medium = ("A non-transitory computer-readable medium storing instructions that, when "
                  f"executed by one or more processors of {article(device)}, cause the {device} "
                  "to perform operations comprising: "
                  + claim_list([f"{gerund(v)} {o}" for v, o in steps]) + ".")
        add_group(medium, "The non-transitory computer-readable medium",
                  lambda s: f"wherein the operations further comprise {gerund(s[0])} {s[1]}",
                  rng.randint(1, 3))
    return claims


def make_abstract(rng: random.Random, area: dict, topic: dict, steps: list[tuple[str, str]],
                  extra: list[tuple[str, str]]) -> str:
    """Return an abstract of 80 to 150 words."""
    device, kind = topic["device"], topic_kind(topic)
    advantages = rng.sample(area["advantages"], 2)
    if kind == "product":
        core = [
            f"{capitalise(article(device))} and a method for {topic['subject']} are disclosed.",
            "The method includes " + series([f"{gerund(v)} {o}" for v, o in steps]) + ".",
        ]
        optional = [
            f"The resulting {device} comprises " + series(topic["elements"]) + ".",
            f"In some embodiments, {topic['where'][0]}.",
            f"Using {topic['feature']}, the {device} can {advantages[0]} and {advantages[1]}.",
        ]
    else:
        (v1, o1), (v2, o2), (v3, o3), (v4, o4) = steps[:4]
        opening = rng.choice([
            f"{capitalise(article(device))} for {topic['subject']} in {topic['context']} is "
            "described.",
            f"Techniques for {topic['subject']} in {topic['context']} are disclosed.",
        ])
        core = [
            opening,
            f"The {device} {third_person(v1)} {o1} and {third_person(v2)} {o2}.",
            f"The {device} then {third_person(v3)} {o3} and {third_person(v4)} {o4}.",
        ]
        optional = [
            f"Using {topic['feature']}, the {device} can {advantages[0]} and {advantages[1]}.",
            f"In some implementations, {topic['where'][0]}.",
        ] + [f"The {device} may also {v} {o}." for v, o in extra[:1]]
    sentences = list(core)
    for sentence in optional:
        if word_count(" ".join(sentences + [sentence])) <= 150:
            sentences.append(sentence)
    if word_count(" ".join(sentences)) < 80:
        sentences.append(f"The approach is suited to {topic['context']}, where "
                         f"{strip_article(topic['feature'])} is readily available.")
    return " ".join(sentences)


def make_description(rng: random.Random, area: dict, topic: dict,
                     steps: list[tuple[str, str]], extra: list[tuple[str, str]],
                     provisional: tuple[str, dt.date] | None) -> tuple[str, str, str]:
    """Return the description, the pinpoint of its method paragraphs and an excerpt."""
    device, kind = topic["device"], topic_kind(topic)
    blocks: list[str] = []
    paragraphs: list[str] = []

    def heading(title: str) -> None:
        blocks.append(title)

    def para(sentence: str) -> int:
        paragraphs.append(sentence)
        blocks.append(f"[{len(paragraphs):04d}] {sentence}")
        return len(paragraphs)

    if provisional:
        heading("CROSS-REFERENCE TO RELATED APPLICATION")
        para(f"This application claims the benefit of U.S. Provisional Application No. "
             f"{provisional[0]}, filed {provisional[1]:%B} {provisional[1].day}, "
             f"{provisional[1].year}, the contents of which are incorporated herein by "
             "reference in their entirety.")
    heading("TECHNICAL FIELD")
    para(rng.choice([
        f"The present disclosure relates to {area['field']}, and more particularly to "
        f"{topic['subject']} {'in' if kind == 'system' else 'for'} {topic['context']}.",
        f"This disclosure concerns {area['field']}, in particular {topic['subject']} using "
        f"{topic['feature']}.",
    ]))
    heading("BACKGROUND")
    para(" ".join(area["background"]))
    para(f"{topic['problem']} Accordingly, there is a need for improved techniques for "
         f"{topic['subject']}.")
    heading("SUMMARY")
    gerunds = [f"{gerund(v)} {o}" for v, o in steps]
    para(f"In one aspect, a method for {topic['subject']} includes {series(gerunds)}.")
    if kind == "product":
        para(f"In another aspect, {article(device)} comprises {series(topic['elements'])}.")
    else:
        para(f"In another aspect, {article(device)} includes one or more processors and memory "
             f"storing instructions that cause the {device} to carry out the method. A "
             "non-transitory computer-readable medium may store the same instructions.")
    advantages = rng.sample(area["advantages"], 2)
    para(f"Using {topic['feature']}, the techniques described herein can {advantages[0]} "
         f"and {advantages[1]}. Details of one or more implementations are set forth in the "
         "accompanying drawings and the description below.")
    heading("BRIEF DESCRIPTION OF THE DRAWINGS")
    figures = [
        (f"FIG. 1 is a block diagram of an example {device} according to some embodiments."
         if kind == "system" else
         f"FIG. 1 is a schematic view of an example {device} according to some embodiments."),
        f"FIG. 2 is a flowchart of an example method for {topic['subject']}.",
        ("FIG. 3 is " + area["figure3"].format(device=device) + "."
         if kind == "system" else
         f"FIG. 3 shows the {device} at intermediate stages of the method of FIG. 2."),
    ]
    if kind == "system":
        figures.append("FIG. 4 is a block diagram of a computing device that may implement the "
                       f"{device} of FIG. 1.")
    for figure in figures:
        para(figure)
    heading("DETAILED DESCRIPTION")
    para("The following description refers to the accompanying drawings, in which like "
         "reference numerals designate like elements. The embodiments described are examples; "
         "features of one embodiment may be combined with features of another.")
    parts = topic["parts"]
    numbered = [f"{article(p)} {102 + 2 * i}" for i, p in enumerate(parts)]
    if kind == "system":
        numbered += [f"one or more processors {102 + 2 * len(parts)}",
                     f"a memory {104 + 2 * len(parts)} storing instructions"]
        para(f"FIG. 1 illustrates an example {device} 100 used in {topic['context']}. The "
             f"{device} 100 includes {series(numbered)}. The {parts[0]} 102 and the {parts[1]} "
             "104 supply the signals on which the processors act, as described with reference "
             "to FIG. 2.")
    else:
        para(f"FIG. 1 illustrates an example {device} 100 for {topic['context']}. The {device} "
             f"100 includes {series(numbered)}, arranged as described below with reference to "
             "the method of FIG. 2.")
    actor = (lambda v, o: f"the {device} 100 {third_person(v)} {o}") if kind == "system" else \
        (lambda v, o: f"the method 200 includes {gerund(v)} {o}")
    first = para(f"FIG. 2 is a flowchart of an example method 200 for {topic['subject']}. "
                 + (f"The method 200 may be performed by the {device} 100 of FIG. 1. "
                    if kind == "system" else
                    f"The method 200 may be used to make the {device} 100 of FIG. 1. ")
                 + " ".join(f"At block {202 + 2 * i}, {actor(v, o)}."
                            for i, (v, o) in enumerate(steps[:2])))
    excerpt = f"At block 202, {actor(*steps[0])}."
    rest = [f"At block {206 + 2 * i}, {actor(v, o)}." for i, (v, o) in enumerate(steps[2:])]
    last = para(" ".join(rest) + " " + " ".join(
        f"In some embodiments, {actor(v, o)}." for v, o in extra))
    where = [c for c in topic["where"] if clause_fits(c, " ".join(o for _v, o in steps))]
    if where:
        para(" ".join(f"In some embodiments, {c}." for c in where))
    if kind == "system":
        para(f"FIG. 3 is {area['figure3'].format(device=device)}. A first trace 302 corresponds to "
             f"a conventional approach and a second trace 304 to the {device} 100, which "
             "responds earlier and with less variation.")
        para(f"FIG. 4 is a block diagram of a computing device 400 that may implement the "
             f"{device} 100. The computing device 400 includes a processor 402, a memory 404, a "
             "storage device 406 and a communication interface 408 connected by a bus 410. "
             "Instructions carrying out the method 200 may be stored in the memory 404 or the "
             "storage device 406 and executed by the processor 402.")
    else:
        para(f"FIG. 3 shows the {device} at intermediate stages 300a, 300b and 300c, after "
             "blocks 202, 204 and 206 of the method 200, respectively.")
    para("The terms used herein describe particular embodiments and are not intended to be "
         "limiting. Other embodiments are within the scope of the following claims.")
    return "\n\n".join(blocks), f"[{first:04d}]-[{last:04d}]", excerpt


def people(rng: random.Random, count: int) -> list[str]:
    firsts = rng.sample(text.FIRST_NAMES, count)
    lasts = rng.sample(text.LAST_NAMES, count)
    return [f"{f} {l}" for f, l in zip(firsts, lasts)]


def cpc_for(rng: random.Random, area: dict, topic: dict, shift: int = 0) -> list[str]:
    """The topic's main class (or, with `shift`, another of its classes) and 1-3 more."""
    own = topic["cpc"][shift % len(topic["cpc"]):] + topic["cpc"][:shift % len(topic["cpc"])]
    further = [c for c in own[1:] + area["cpc"] if c != own[0]]
    chosen = [own[0]]
    for symbol in further:
        if symbol not in chosen and len(chosen) < 1 + rng.randint(1, 3):
            chosen.append(symbol)
    return chosen


def ipc_for(cpc: list[str]) -> list[str]:
    """IPC: the CPC symbols cut to their IPC-sized subgroup (at most two digits after "/")."""
    ipc: list[str] = []
    for symbol in cpc[:2]:
        head, _slash, tail = symbol.partition("/")
        short = f"{head}/{tail[:2]}"
        if short not in ipc:
            ipc.append(short)
    return ipc


def make_document(rng: random.Random, numbers: Numbers, area: dict, topic: dict, *, role: str,
                  title: str, steps: list[tuple[str, str]], extra: list[tuple[str, str]],
                  doc_type: str, kind: str, published: dt.date, filed: dt.date,
                  priority: dt.date, provisional: tuple[str, dt.date] | None,
                  applicants: list[str], cpc_shift: int = 0) -> DocSpec:
    if doc_type == "grant":
        number, doc_number = numbers.grant(published, kind, rng)
    else:
        number, doc_number = numbers.application(published, rng)
    description, pinpoint, excerpt = make_description(rng, area, topic, steps, extra, provisional)
    cpc = cpc_for(rng, area, topic, cpc_shift)
    return DocSpec(
        publication_number=number, doc_type=doc_type, kind=kind, doc_number=doc_number,
        application_number=serial_in(filed, SERIES, rng), title=title,
        abstract=make_abstract(rng, area, topic, steps, extra), description=description,
        publication_date=published, filing_date=filed, priority_date=priority,
        applicants=applicants, inventors=people(rng, rng.randint(1, 4)),
        claims=make_claims(rng, area, topic, steps, extra), cpc=cpc, ipc=ipc_for(cpc),
        area=area["key"], topic=topic["key"], role=role, pinpoint=pinpoint, excerpt=excerpt,
    )


# --- the applications and their library -------------------------------------------------


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
    return [(text.SYNONYMS.get(v, v) if rng.random() < 0.5 else v, o) for v, o in steps]


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
    topics = [(area, topic) for area in text.AREAS for topic in area["topics"]]
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
            applicants.append(text.INSTITUTE)
        app = make_document(rng, numbers, area, topic, role="review", title=topic["title"],
                            steps=steps, extra=extra, doc_type="application", kind="A1",
                            published=published, filed=filed, priority=priority,
                            provisional=provisional, applicants=applicants)
        titles.add(app.title)
        reviews.append(ReviewSpec(app, windows[index]))
        reviewers = AREA_REVIEWERS[area["key"]]

        # An older document disclosing every step of claim 1 (other verbs, same nouns).
        doc_type, kind = pick_type(rng)
        dates = library_dates(rng, priority - dt.timedelta(days=rng.randint(540, 3300)), doc_type)
        close = make_document(
            rng, numbers, area, topic, role="anticipation",
            title=library_title(rng, topic, "anticipation", titles),
            steps=reword(rng, steps), extra=reword(rng, extra[1:]), doc_type=doc_type,
            kind=kind, published=dates[0], filed=dates[1], priority=dates[2],
            provisional=dates[3], applicants=[rng.choice(area["applicants"] + [text.INSTITUTE])],
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
                                        AREA_REVIEWERS[review.document.area][-1]))
    return DemoDataset(reviews, library, hints)


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


def anticipation_hint(app: DocSpec, doc: DocSpec, topic: dict, reviewer: str) -> PriorArtHint:
    steps = [c for c in doc.claims if c.independent][0].text.split(": ", 1)[1].rstrip(".")
    claims = independent_numbers(app)
    explanation = (
        f"{doc.publication_number} ({doc.publication_date.isoformat()}) describes "
        f"{topic['subject']} and discloses, in {doc.pinpoint} and FIG. 2: {steps}. Worded "
        "differently, these are all the steps of claim 1, so the reference anticipates claim 1 "
        f"and the parallel claims {series([str(n) for n in claims[1:]])}. "
        "It was published before the application's earliest priority date.")
    return PriorArtHint(app.publication_number, doc.publication_number, ANTICIPATES, claims,
                        doc.pinpoint, doc.excerpt, limit(explanation), True, reviewer)


def partial_hint(app: DocSpec, doc: DocSpec, topic: dict, steps: list[tuple[str, str]],
                 reviewer: str) -> PriorArtHint:
    missing = f"{gerund(steps[3][0])} {steps[3][1]}"
    explanation = (
        f"{doc.publication_number} teaches the first three steps of claim 1 for "
        f"{topic['subject']} ({doc.pinpoint}). It does not state the last step, {missing}; "
        "that step follows directly from the purpose the reference describes, so claim 1 "
        "would have been obvious to a person of ordinary skill in view of this reference.")
    return PriorArtHint(app.publication_number, doc.publication_number, OBVIOUS, (1,),
                        doc.pinpoint, doc.excerpt, limit(explanation), True, reviewer)


def late_hint(app: DocSpec, doc: DocSpec, topic: dict, reviewer: str) -> PriorArtHint:
    explanation = (
        f"{doc.publication_number} describes the same approach to {topic['subject']} "
        f"({doc.pinpoint}), step for step. Note that it was filed on {doc.filing_date} and "
        f"published on {doc.publication_date}, after the application's earliest priority date "
        f"of {app.priority_date}, so it cannot be cited against these claims.")
    return PriorArtHint(app.publication_number, doc.publication_number, TOO_LATE,
                        independent_numbers(app), doc.pinpoint, doc.excerpt, limit(explanation),
                        False, reviewer)


def unrelated_hint(app: DocSpec, doc: DocSpec, reviewer: str) -> PriorArtHint:
    explanation = (
        f"{doc.publication_number} ({doc.title}) may be of background interest for the "
        "general approach of claim 1.")
    return PriorArtHint(app.publication_number, doc.publication_number, UNRELATED, (1,),
                        doc.pinpoint, doc.excerpt, limit(explanation),
                        doc.publication_date < app.priority_date, reviewer)


@lru_cache(maxsize=1)
def dataset() -> DemoDataset:
    """Return the demo data set (built once per process)."""
    return build_dataset()


def prior_art_by_application() -> dict[str, list[PriorArtHint]]:
    mapping: dict[str, list[PriorArtHint]] = {}
    for hint in dataset().prior_art:
        mapping.setdefault(hint.application, []).append(hint)
    return mapping


# application publication number -> the library documents meant as (or looking like) its
# prior art. Use the hints with relation ANTICIPATES or OBVIOUS for good submissions,
# TOO_LATE to show the date check, UNRELATED for a weak one.
PRIOR_ART: dict[str, list[PriorArtHint]] = prior_art_by_application()


# --- the database -------------------------------------------------------------------------


@dataclass
class DemoResult:
    """What the demo holds after loading: counts of its rows and the documents to index.

    `document_ids` lists every demo document now in the database plus those a reset
    removed, so that indexing them brings the search index in line.
    """

    applications: int
    library: int
    submissions: int
    document_ids: list[int] = field(default_factory=list)


def load_demo(session: Session, reset: bool = False, now: dt.datetime | None = None
              ) -> DemoResult:
    """Create whatever part of the demo data is missing; with `reset`, delete it first."""
    now = now or utcnow()
    removed = reset_demo(session) if reset else []
    data = dataset()
    accounts = create_accounts(session)
    library = create_library(session, data.library)
    reviews = create_applications(session, data.applications, now)
    # Submissions, endorsements, votes, claim marks, verdicts and scores, from PRIOR_ART.
    submissions = create_submissions(session, accounts, library, reviews, now)
    create_comments(session, accounts, reviews)
    present = session.scalars(select(Document.id).where(Document.source == SOURCE)).all()
    return DemoResult(
        applications=len(reviews), library=len(library), submissions=submissions,
        document_ids=sorted(set(present) | set(removed)),
    )


DISCUSSION = [
    # (author email, about claim 1?, Markdown body, replies: [(author email, body)])
    ("volunteer@example.org", True,
     "Claim 1 is broad: every element except the last one is in the **{area}** textbooks. "
     "Has anyone found the last element before {year}?",
     [("owl@example.org", "I searched the conference proceedings of {year}: nothing with that "
       "exact combination, but see the endorsement on the top submission."),
      ("mei@example.org", "Agreed on the first elements. The last one is the point to attack.")]),
    ("tomas@example.org", False,
     "Tip for newcomers: use *Find earlier documents like claim 1* on the claims; it only lists "
     "documents published before the priority date, so everything it finds is usable.",
     []),
]


def create_comments(session: Session, accounts: dict[str, User], reviews: dict[str, Application]
                    ) -> int:
    """Start a short discussion on the first open applications that have none."""
    created = 0
    open_reviews = [r for _, r in sorted(reviews.items()) if r.status == OPEN][:6]
    for review in open_reviews:
        if session.scalar(select(func.count(Comment.id)).where(Comment.application_id == review.id)):
            continue
        claim_1 = next((c for c in review.document.claims if c.number == 1), None)
        area = (review.document.cpc or ["this field"])[0].split()[0]
        year = (review.document.priority_date or dt.date(2024, 1, 1)).year
        for author, about_claim, body, replies in DISCUSSION:
            top = Comment(application_id=review.id, author_id=accounts[author].id,
                          claim_id=claim_1.id if about_claim and claim_1 else None,
                          body=body.format(area=area, year=year))
            session.add(top)
            session.flush()
            for reply_author, reply in replies:
                session.add(Comment(application_id=review.id, author_id=accounts[reply_author].id,
                                    parent_id=top.id, body=reply.format(area=area, year=year)))
            created += 1 + len(replies)
    session.flush()
    return created


def create_accounts(session: Session) -> dict[str, User]:
    """Create the demo accounts that do not exist yet; return all of them by email."""
    users = session.scalars(select(User).where(User.email.in_(DEMO_EMAILS)))
    existing = {user.email: user for user in users}
    for email, password, role, name in DEMO_ACCOUNTS:
        if email in existing:
            continue
        affiliation, expertise, bio = ACCOUNT_PROFILES[email]
        user = User(email=email, display_name=name, role=role, affiliation=affiliation,
                    expertise=list(expertise), bio=bio)
        user.set_password(password)
        session.add(user)
        existing[email] = user
    session.flush()
    return existing


def create_library(session: Session, specs: Iterable[DocSpec]) -> dict[str, Document]:
    """Create the missing library documents; return the demo's library by number."""
    return create_documents(session, list(specs))


def create_applications(session: Session, specs: Iterable[ReviewSpec], now: dt.datetime
                        ) -> dict[str, Application]:
    """Create the missing applications and their review windows; return them by number."""
    specs = list(specs)
    documents = create_documents(session, [spec.document for spec in specs])
    ids = [d.id for d in documents.values()]
    existing = {a.document_id: a for a in
                session.scalars(select(Application).where(Application.document_id.in_(ids)))}
    applications: dict[str, Application] = {}
    for spec in specs:
        document = documents.get(spec.document.publication_number)
        if document is None:
            continue
        application = existing.get(document.id)
        if application is None:
            opens, closes = spec.window.times(now)
            application = Application(document=document, status=spec.window.status,
                                      opens_at=opens, closes_at=closes)
            session.add(application)
        applications[document.publication_number] = application
    session.flush()
    return applications


# The examiner's verdict on each kind of demo submission once its window has closed.
DEMO_VERDICTS = {ANTICIPATES: "used", OBVIOUS: "relevant", UNRELATED: "not_relevant"}
DEMO_VERDICT_NOTES = {
    "used": "Applied in the first action against claim 1 (35 U.S.C. 102).",
    "relevant": "Considered; supports an obviousness position on claim 1 (35 U.S.C. 103).",
    "not_relevant": "Another field: not applied.",
}
DEMO_EXAMINER = "examiner@example.org"


def create_submissions(session: Session, accounts: dict[str, User], library: dict[str, Document],
                       applications: dict[str, Application], now: dt.datetime) -> int:
    """Create the demo's prior art, votes, verdicts and scores; return the submissions held."""
    # From PRIOR_ART, on open and closed applications: a submission per hint, except the
    # "too late" ones the app refuses (they stay in PRIOR_ART for the browser test of the
    # date check), plus a weak document of another field on each closed review lacking one,
    # so that every closed review teaches the model both labels. Then endorsements, votes and
    # claim marks by the other volunteers, the examiner's verdicts on closed reviews (with the
    # track records, as the examiner pages keep them) and the scores. Only missing
    # submissions are created, each with its community rows: loading twice changes nothing.
    # Imported here: loading the data set alone needs neither the ranking nor scikit-learn.
    from .examiner.reputation import recount_track_record
    from .models import ClaimMark, ConflictDeclaration, Endorsement, Feedback, Submission, Vote
    from .models.application import as_utc
    from .priorart.identifiers import parse_identifier
    from .ranking.scores import rescore_applications

    data = dataset()
    specs = {review.document.publication_number: review.document for review in data.applications}
    library_specs = [doc for doc in data.library if doc.role != "late"]
    volunteers = [email for email, _password, role, _name in DEMO_ACCOUNTS if role == "volunteer"]
    app_ids = [application.id for application in applications.values()]
    existing = set(session.execute(select(Submission.application_id, Submission.identifier)
                                   .where(Submission.application_id.in_(app_ids))).all())
    declared = set(session.execute(select(ConflictDeclaration.user_id,
                                          ConflictDeclaration.application_id)
                                   .where(ConflictDeclaration.application_id.in_(app_ids))).all())

    def declare(user: User, application: Application, moment: dt.datetime) -> None:
        if (user.id, application.id) not in declared:
            declared.add((user.id, application.id))
            session.add(ConflictDeclaration(user_id=user.id, application_id=application.id,
                                            has_conflict=False, created_at=moment,
                                            updated_at=moment))

    created: list[tuple[PriorArtHint, Submission, random.Random]] = []
    touched: set[int] = set()
    for index, (number, application) in enumerate(applications.items()):
        if application.status == PENDING or number not in specs:
            continue
        hints = [h for h in PRIOR_ART.get(number, [])
                 if h.relation != TOO_LATE and h.before_priority]
        if application.status == CLOSED and not any(h.relation == UNRELATED for h in hints):
            app_spec = specs[number]
            offset = (index * 7) % len(library_specs)
            other = next(doc for doc in library_specs[offset:] + library_specs
                         if doc.area != app_spec.area
                         and doc.publication_date < app_spec.priority_date)
            hints.append(unrelated_hint(app_spec, other, AREA_REVIEWERS[app_spec.area][-1]))
        opens = as_utc(application.opens_at)
        end = min(as_utc(application.closes_at), now)
        for hint in hints:
            document, submitter = library.get(hint.document), accounts.get(hint.reviewer)
            identifier = parse_identifier("us", hint.document)
            known = (application.id, identifier.key) in existing
            if document is None or submitter is None or known:
                continue
            rng = random.Random(f"{SEED}/{number}/{hint.document}")
            moment = opens + (end - opens) * rng.uniform(0.05, 0.5)
            declare(submitter, application, moment)
            submission = Submission(
                application_id=application.id, submitter_id=submitter.id, kind="us",
                identifier=identifier.key, identifier_raw=hint.document,
                library_document_id=document.id, title=document.title,
                publication_date=document.publication_date, pinpoint=hint.pinpoint,
                excerpt=hint.excerpt, explanation=hint.explanation, created_at=moment,
                updated_at=moment,
                claims=[c for c in application.document.claims if c.number in hint.claims])
            session.add(submission)
            existing.add((application.id, identifier.key))
            created.append((hint, submission, rng))
            touched.add(application.id)
    session.flush()

    examiner = accounts.get(DEMO_EXAMINER)
    verdicts: list[tuple[User, str]] = []
    for hint, submission, rng in created:
        application = applications[hint.application]
        claims = {c.number: c for c in application.document.claims}
        area = specs[hint.application].area
        start, end = as_utc(submission.created_at), min(as_utc(application.closes_at), now)
        others = [accounts[e] for e in volunteers if e != hint.reviewer and e in accounts]
        endorser = next((accounts[e] for e in AREA_REVIEWERS[area]
                         if e != hint.reviewer and e in accounts), None)
        if hint.relation == ANTICIPATES and endorser is not None and rng.random() < 0.6:
            moment = start + (end - start) * rng.uniform(0.1, 0.9)
            declare(endorser, application, moment)
            session.add(Endorsement(
                submission_id=submission.id, user_id=endorser.id, pinpoint=hint.pinpoint,
                explanation=(f"Found independently: {hint.pinpoint} of {hint.document} walks "
                             "through every step of claim 1, in the same order."),
                created_at=moment, updated_at=moment))
            # As when the app turns a duplicate into an endorsement: its claims become marks.
            session.add_all(ClaimMark(submission_id=submission.id, user_id=endorser.id,
                                      claim_id=claims[n].id, created_at=moment, updated_at=moment)
                            for n in hint.claims if n in claims)
        ups, downs = {ANTICIPATES: (rng.randint(2, 3), int(rng.random() < 0.2)),
                      OBVIOUS: (rng.randint(1, 2), rng.randint(0, 1)),
                      UNRELATED: (rng.randint(0, 1), rng.randint(1, 2))}[hint.relation]
        voters = rng.sample(others, min(ups + downs, len(others)))
        for k, voter in enumerate(voters):
            moment = start + (end - start) * rng.uniform(0.1, 0.9)
            session.add(Vote(submission_id=submission.id, user_id=voter.id,
                             value=1 if k < ups else -1, created_at=moment, updated_at=moment))
            if k < ups and hint.relation == ANTICIPATES and 1 in claims and rng.random() < 0.5 \
                    and voter is not endorser:
                session.add(ClaimMark(submission_id=submission.id, user_id=voter.id,
                                      claim_id=claims[1].id, created_at=moment, updated_at=moment))
        if application.status == CLOSED and examiner is not None:
            verdict = DEMO_VERDICTS[hint.relation]
            moment = min(as_utc(application.closes_at) + dt.timedelta(days=rng.uniform(1, 7)), now)
            session.add(Feedback(submission_id=submission.id, examiner_id=examiner.id,
                                 verdict=verdict, note=DEMO_VERDICT_NOTES[verdict],
                                 created_at=moment, updated_at=moment))
            verdicts.append((submission.submitter, verdict))
    session.flush()
    for submitter in {submitter.id: submitter for submitter, _ in verdicts}.values():
        recount_track_record(session, submitter)
    rescore_applications(session, touched)
    return len(session.scalars(select(Submission.id)
                               .where(Submission.application_id.in_(app_ids))).all())


def create_documents(session: Session, specs: list[DocSpec]) -> dict[str, Document]:
    """Create the documents not yet present; skip (and log) numbers held by real documents."""
    numbers = [spec.publication_number for spec in specs]
    existing = {d.publication_number: d for d in
                session.scalars(select(Document).where(Document.publication_number.in_(numbers)))}
    documents: dict[str, Document] = {}
    for spec in specs:
        document = existing.get(spec.publication_number)
        if document is not None and document.source != SOURCE:
            log.warning("demo: %s already holds a non-demo document; skipped",
                        spec.publication_number)
            continue
        if document is None:
            document = new_document(spec)
            session.add(document)
        documents[spec.publication_number] = document
    session.flush()
    return documents


def new_document(spec: DocSpec) -> Document:
    digest = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True, default=str)
                            .encode("utf-8")).hexdigest()
    return Document(
        publication_number=spec.publication_number, doc_type=spec.doc_type, country="US",
        doc_number=spec.doc_number, kind=spec.kind, application_number=spec.application_number,
        title=spec.title, abstract=spec.abstract, description=spec.description,
        publication_date=spec.publication_date, filing_date=spec.filing_date,
        priority_date=spec.priority_date, applicants=list(spec.applicants),
        inventors=list(spec.inventors), schema="demo", source=SOURCE, content_hash=digest,
        claims=[Claim(number=c.number, text=c.text, depends_on=list(c.depends_on),
                      independent=c.independent) for c in spec.claims],
        classifications=[
            Classification(scheme=scheme, symbol=symbol, position=position)
            for scheme, symbols in (("cpc", spec.cpc), ("ipc", spec.ipc))
            for position, symbol in enumerate(symbols)
        ],
    )


def reset_demo(session: Session) -> list[int]:
    """Delete the demo accounts and documents, and every row that depends on them.

    Rows referring to them (applications, claims, submissions, votes, comments, ... of any
    table, present or future) are deleted along the foreign keys; references that may be
    empty (ON DELETE SET NULL, or a nullable column such as an audit entry's actor) are
    set to NULL instead, so other users' rows survive. Returns the deleted document ids.
    """
    session.flush()
    metadata = Document.metadata
    user_ids = session.scalars(select(User.id).where(User.email.in_(DEMO_EMAILS))).all()
    document_ids = session.scalars(select(Document.id).where(Document.source == SOURCE)).all()
    deleted: dict[str, set] = {}
    delete_cascading(session, metadata.tables[Document.__tablename__], document_ids, deleted)
    delete_cascading(session, metadata.tables[User.__tablename__], user_ids, deleted)
    for instance in list(session.identity_map.values()):
        state = inspect(instance)
        table = state.mapper.local_table
        key = state.identity[0] if state.identity and len(state.identity) == 1 else None
        if key in deleted.get(getattr(table, "name", ""), ()):
            session.expunge(instance)
    session.expire_all()
    return sorted(document_ids)


def delete_cascading(session: Session, table: Table, ids: Iterable, deleted: dict[str, set]
                     ) -> None:
    """Delete rows of `table` by primary key, after the rows that refer to them."""
    ids = set(ids) - deleted.setdefault(table.name, set())
    if not ids:
        return
    deleted[table.name] |= ids
    (key,) = table.primary_key.columns
    for child in table.metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is not table:
                continue
            column = foreign_key.parent
            refers = column.in_(ids)
            if foreign_key.ondelete == "SET NULL" or (
                column.nullable and foreign_key.ondelete is None and not column.primary_key
            ):
                session.execute(update(child).where(refers).values({column.name: None}))
            elif len(child.primary_key.columns) == 1:
                (child_key,) = child.primary_key.columns
                child_ids = session.execute(select(child_key).where(refers)).scalars().all()
                delete_cascading(session, child, child_ids, deleted)
            else:
                session.execute(delete(child).where(refers))
    session.execute(delete(table).where(key.in_(ids)))
