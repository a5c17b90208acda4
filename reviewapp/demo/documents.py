"""Write one document: claims, abstract and description of a topic, and its bibliographic data."""
from __future__ import annotations

import datetime as dt
import random

from .data import vocabulary
from .numbers import SERIES, Numbers, serial_in
from .specs import ClaimSpec, DocSpec
from .wording import (
    article,
    capitalise,
    claim_list,
    clause_fits,
    gerund,
    series,
    strip_article,
    third_person,
    word_count,
)


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
            (f"{capitalise(article(device))} for {topic['subject']} in {topic['context']} is "
            "described."),
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
        (f"The present disclosure relates to {area['field']}, and more particularly to "
        f"{topic['subject']} {'in' if kind == 'system' else 'for'} {topic['context']}."),
        (f"This disclosure concerns {area['field']}, in particular {topic['subject']} using "
        f"{topic['feature']}."),
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
    firsts = rng.sample(vocabulary()["first_names"], count)
    lasts = rng.sample(vocabulary()["last_names"], count)
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


