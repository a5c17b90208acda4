"""The demo data set: accounts, applications under review, a prior-art library, a community.

The texts live in data files of this package (`data/`, read by `data.py`); a seeded generator
(`dataset.py`, `documents.py`) turns them into documents that are the same on every run;
`load_demo` builds the site's rows through the services the pages use (`loader.py`). The demo
accounts' passwords are public: they are for demonstrations only.
"""
from __future__ import annotations

from .accounts import ACCOUNT_PROFILES, DEMO_ACCOUNTS, DEMO_EMAILS
from .dataset import build_dataset, dataset, prior_art_by_application
from .loader import DemoResult, load_demo
from .reset import reset_demo
from .specs import (
                    ANTICIPATES,
                    OBVIOUS,
                    SOURCE,
                    TOO_LATE,
                    UNRELATED,
                    ClaimSpec,
                    DemoDataset,
                    DocSpec,
                    PriorArtHint,
                    ReviewSpec,
                    WindowSpec,
)

__all__ = [
    "ACCOUNT_PROFILES", "ANTICIPATES", "DEMO_ACCOUNTS", "DEMO_EMAILS", "OBVIOUS", "SOURCE",
    "TOO_LATE", "UNRELATED", "ClaimSpec", "DemoDataset", "DemoResult", "DocSpec",
    "PriorArtHint", "ReviewSpec", "WindowSpec", "build_dataset", "dataset", "load_demo",
    "prior_art_by_application", "reset_demo",
]
