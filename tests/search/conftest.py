"""Fixtures for the search package: a fresh index directory and a small, known corpus."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import search
from search.backends.whoosh import reader


def make_doc(doc_id: str, **fields: Any) -> dict[str, Any]:
    """Return a document dict with harmless defaults for the fields not given."""
    doc: dict[str, Any] = {
        "id": doc_id,
        "doc_type": "grant",
        "kind": "B2",
        "title": "",
        "abstract": "",
        "claims": "",
        "description": "",
        "cpc": [],
        "ipc": [],
        "uspc": [],
        "applicants": [],
        "inventors": [],
        "tags": [],
        "status": "library",
        "publication_date": dt.date(2012, 1, 3),
        "priority_date": None,
        "stamp": "1",
    }
    doc.update(fields)
    return doc


CORPUS = [
    make_doc(
        "US8000001B2",
        title="Wireless charging coil for a handheld phone",
        abstract="An inductive charger transfers power to a phone through a flat coil.",
        claims="1. A charger comprising a flat coil, wherein said coil is driven at a "
               "resonant frequency.\n\n2. The charger of claim 1, wherein the coil is copper.",
        description="Inductive power transfer between a primary coil and a secondary coil.",
        cpc=["H02J 50/10", "H01F 38/14"],
        applicants=["Acme Power Inc."],
        publication_date=dt.date(2011, 8, 2),
        tags=["charging"],
    ),
    make_doc(
        "US8000002B2",
        title="Cryptographic key exchange over a network",
        abstract="Two hosts agree on a session key using public key cryptography.",
        claims="1. A method of exchanging a session key between hosts, comprising signing "
               "a nonce with a private key.",
        description="Diffie-Hellman key agreement and digital signatures.",
        cpc=["H04L 9/08", "H04L 9/32"],
        kind="B1",
        publication_date=dt.date(2013, 4, 16),
    ),
    make_doc(
        "US20130000003A1",
        doc_type="application",
        kind="A1",
        status="open",
        title="Authenticating users with one-time passwords",
        abstract="A server authenticates a user with a one-time password sent to a phone.",
        claims="1. A method comprising sending a one-time password to a phone of the user "
               "and verifying the password.",
        description="Two-factor authentication; the password expires after a minute.",
        cpc=["H04L 63/08", "G06F 21/31"],
        publication_date=dt.date(2013, 1, 17),
    ),
    make_doc(
        "US7000004B2",
        title="Battery pack with thermal fuse",
        abstract="A lithium battery pack whose thermal fuse opens when cells overheat.",
        claims="1. A battery pack comprising a plurality of cells and a thermal fuse.",
        description="Cells in series; the fuse melts at 90 degrees.",
        ipc=["H01M 2/34"],  # an older grant: IPC only, no CPC
        uspc=["429/7"],
        publication_date=dt.date(2006, 1, 3),
    ),
    make_doc(
        "US20130000005A1",
        doc_type="application",
        kind="A1",
        status="pending",
        title="Coil winding machine",
        abstract="A machine winds copper wire into a coil for motors.",
        claims="1. A winding machine comprising a spindle that rotates a coil form.",
        description="The spindle is driven by a stepper motor.",
        cpc=["H01F 41/04"],
        publication_date=dt.date(2013, 2, 7),
    ),
    make_doc(
        "NPL-0006",
        doc_type="npl",
        kind="",
        status="library",
        title="A survey of wireless power transfer",
        abstract="Survey of inductive and resonant coupling for charging phones.",
        publication_date=dt.date(2009, 6, 1),
    ),
]


@pytest.fixture
def index_dir(tmp_path: Path):
    """Return an empty index directory; drop this process's cached searchers afterwards."""
    path = tmp_path / "index"
    yield path
    reader.close_all()


@pytest.fixture
def corpus_index(index_dir: Path) -> Path:
    """Return an index directory holding CORPUS."""
    search.index_documents(index_dir, CORPUS)
    return index_dir
