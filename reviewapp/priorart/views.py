"""Prior-art submissions: submit, edit, withdraw, endorse."""
from flask import Blueprint

bp = Blueprint("priorart", __name__)
