"""Every model, imported here so that Alembic and the app see the whole schema."""
from .application import Application
from .claim import Claim
from .classification import Classification
from .document import Document
from .reference import Reference
from .user import User

__all__ = ["Application", "Claim", "Classification", "Document", "Reference", "User"]
