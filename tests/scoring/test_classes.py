"""Class codes: CPC/IPC and USPC prefixes per level."""
from __future__ import annotations

from scoring.classes import ipc_prefixes, uspc_prefixes


def test_class_code_parsing():
    assert ipc_prefixes("H04L 9/32") == ("H", "H04", "H04L", "H04L 9/00")
    assert ipc_prefixes("H04L0009320000") == ("H", "H04", "H04L", "H04L 9/00")
    assert ipc_prefixes("h04l") == ("H", "H04", "H04L")
    assert ipc_prefixes("not a class") == ()
    assert uspc_prefixes("713/168") == ("713", "713/168")
    assert uspc_prefixes("D13/147") == ("D13", "D13/147")
    assert uspc_prefixes("073/ 001") == ("73", "73/1")
    assert uspc_prefixes("") == ()
