"""Votes, claim marks, tags, discussion, flags, notifications, reviewer pages."""
from flask import Blueprint

bp = Blueprint("community", __name__)
