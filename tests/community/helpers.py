"""Small helpers shared by the community tests."""
from __future__ import annotations


def flashes(client) -> list[tuple[str, str]]:
    """Return (and keep) the flashed (category, message) pairs waiting in the client's session."""
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def flash_texts(client) -> str:
    """Return the waiting flashed messages joined, for `in` assertions."""
    return " | ".join(message for _, message in flashes(client))
