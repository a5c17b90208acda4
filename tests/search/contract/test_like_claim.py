"""Query-by-claim: a claim reduced to its key terms finds its prior art."""
from __future__ import annotations

import datetime as dt

import search
from tests.search.conftest import make_doc

CLAIM = (
    "1. A braking apparatus for a bicycle, comprising: a damper containing a "
    "magnetorheological fluid; a speed sensor configured to measure a rotation of a wheel; "
    "and a controller, wherein said controller energises a coil of said damper according to "
    "said rotation, and wherein said damper comprises a plurality of vanes.\n\n"
    "2. The apparatus of claim 1, wherein the coil surrounds the damper."
)

BOILERPLATE = (
    "1. A system comprising a plurality of elements, wherein said elements are configured "
    "to operate according to claim 1, whereby the system comprises a controller thereof."
)

DISTRACTORS = [
    make_doc("D-ENGINE", title="Fuel injection controller",
             claims=BOILERPLATE + " 2. The system wherein a controller meters fuel to an engine.",
             description="An engine controller meters fuel; a speed sensor reads the crank."),
    make_doc("D-BICYCLE", title="Bicycle frame of carbon fibre",
             claims=BOILERPLATE + " 2. A bicycle frame comprising carbon fibre tubes.",
             description="A lightweight bicycle frame; the wheel is quick release."),
    make_doc("D-DAMPER", title="Door closer with hydraulic damper",
             claims=BOILERPLATE + " 2. A door closer comprising a hydraulic damper and vanes.",
             description="Oil flows through an orifice of the damper."),
    make_doc("D-PHONE", title="Phone with a speed sensor",
             claims=BOILERPLATE + " 2. A phone comprising an accelerometer.",
             description="The accelerometer measures rotation of the phone."),
] + [
    make_doc(f"D-FILLER-{n}", title=f"Filler device {n}", claims=BOILERPLATE,
             description="A generic device with elements and a controller.")
    for n in range(8)
]

PRIOR_ART = make_doc(
    "US7500000B2",
    title="Semi-active bicycle brake",
    abstract="A bicycle brake uses a magnetorheological fluid whose viscosity a coil changes.",
    claims="1. A brake for a bicycle wheel comprising a magnetorheological damper with vanes "
           "and a coil driven in response to a wheel speed sensor.",
    description="When the sensor detects wheel rotation slowing, the controller energises "
                "the coil so the magnetorheological fluid stiffens.",
    publication_date=dt.date(2009, 3, 3),
)

LATER_ART = make_doc(
    "US9500000B2",
    title="Magnetorheological bicycle brake, improved",
    claims="1. A bicycle brake comprising a magnetorheological fluid damper, a coil, vanes and "
           "a wheel speed sensor.",
    publication_date=dt.date(2015, 6, 2),
)

APPLICATION = make_doc(
    "US20140000001A1", doc_type="application", kind="A1", status="open",
    title="Bicycle brake with magnetorheological damper", claims=CLAIM,
    publication_date=dt.date(2014, 1, 2),
)

PRIORITY = dt.date(2012, 7, 1)


def test_like_claim_finds_the_prior_art_among_distractors(index_dir):
    search.index_documents(index_dir, [*DISTRACTORS, PRIOR_ART, LATER_ART, APPLICATION])
    results = search.like_claim(index_dir, CLAIM, before=PRIORITY,
                                exclude_id=APPLICATION["id"])
    found = [hit.id for hit in results.hits]
    assert found[0] == PRIOR_ART["id"]
    assert LATER_ART["id"] not in found          # published after the priority date
    assert APPLICATION["id"] not in found        # the application itself
    assert '<b class="match">' in results.hits[0].snippet


def test_key_terms_are_distinctive_words_not_boilerplate(index_dir):
    search.index_documents(index_dir, [*DISTRACTORS, PRIOR_ART])
    terms = [term for term, _ in search.like_claim(index_dir, CLAIM, before=None).key_terms]
    assert {"magnetorheolog", "damper", "coil", "vane", "bicycle", "brake"} <= set(terms)
    boilerplate = {"said", "wherein", "compris", "comprising", "plural", "plurality", "claim",
                   "1", "2", "a", "the", "of"}
    assert not boilerplate & set(terms)


def test_key_term_weights_are_normalised(index_dir):
    search.index_documents(index_dir, [*DISTRACTORS, PRIOR_ART])
    weights = [w for _, w in search.like_claim(index_dir, CLAIM, before=None).key_terms]
    assert weights[0] == 1.0 and weights == sorted(weights, reverse=True)


def test_like_claim_with_only_unknown_words_finds_nothing(index_dir):
    search.index_documents(index_dir, DISTRACTORS)
    results = search.like_claim(index_dir, "zyxxy quuxable", before=None)
    assert (results.total, results.hits, results.key_terms) == (0, [], [])
