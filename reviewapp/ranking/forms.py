"""Ranking forms."""
from __future__ import annotations

from flask_wtf import FlaskForm


class RetrainForm(FlaskForm):
    """Start a training run (the form carries only the CSRF token)."""
