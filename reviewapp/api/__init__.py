"""The read-only JSON API (`/api/v1`) and the examiners' API token page (`/api/tokens`)."""
from __future__ import annotations

from flask import request

API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    """Tell whether the request is under /api/v1, whichever package serves it."""
    return (request.path + "/").startswith(API_PREFIX + "/")
