"""Every model, imported here so that Alembic and the app see the whole schema."""
from .application import Application
from .claim import Claim
from .classification import Classification
from .comment import Comment
from .document import Document
from .feedback import ApiToken, Feedback, ForwardedReport, Score
from .import_run import ImportRun
from .job import Job
from .lead import MachineLead
from .moderation import AuditEntry, Flag
from .notification import ConflictDeclaration, Notification, Watch
from .reference import Reference
from .submission import Endorsement, Submission, SubmissionRevision, submission_claims
from .tag import Tag, application_tags, submission_tags
from .user import User
from .vote import ClaimMark, Vote

__all__ = [
    "ApiToken", "Application", "AuditEntry", "Claim", "ClaimMark", "Classification", "Comment",
    "ConflictDeclaration", "Document", "Endorsement", "Feedback", "Flag", "ForwardedReport",
    "ImportRun", "Job", "MachineLead", "Notification", "Reference", "Score", "Submission", "SubmissionRevision",
    "Tag", "User",
    "Vote", "Watch", "application_tags", "submission_claims", "submission_tags",
]
