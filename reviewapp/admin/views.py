"""Administration: users and roles, review windows, moderation queue."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
