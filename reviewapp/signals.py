"""Named signals: how one feature's change reaches another feature's side effects.

A service that changes something other features care about sends a signal after it has
flushed the change, with the changed row as sender and the session as `session`; a feature
that reacts connects its receiver in its own `register_*` step (never by importing the
sender's feature). Receivers run in the sender's transaction: they add rows or jobs (the job
outbox) and flush, never commit, so the reaction commits or rolls back with the change.

    submission_created.send(submission, session=session)

    @submission_created.connect
    def _notify_watchers(submission, session): ...
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A prior-art submission was stored (sender: the Submission).
submission_created = _signals.signal("submission-created")
#: A submission was withdrawn by its submitter (sender: the Submission).
submission_withdrawn = _signals.signal("submission-withdrawn")
#: A submission's community signals changed: a vote, a claim mark, an endorsement
#: (sender: the Submission).
submission_rated = _signals.signal("submission-rated")
#: A submission's content or visibility changed: edited, handed over to an endorser, hidden or
#: restored by a moderator (sender: the Submission).
submission_changed = _signals.signal("submission-changed")
#: A submission's submitter of record changed: handed over to an endorser, or a withdrawn one
#: resubmitted by someone (sender: the Submission; `previous_submitter_id`). Its verdicts now
#: count for the new submitter: examiner recounts both track records.
submitter_changed = _signals.signal("submitter-changed")
#: A comment was posted in an application's discussion (sender: the Comment).
comment_posted = _signals.signal("comment-posted")
#: A volunteer cast or removed a vote (sender: the Submission; `user`, `value`: 1, -1, or 0
#: for a vote removed).
vote_cast = _signals.signal("vote-cast")
#: An examiner recorded or changed a verdict (sender: the Feedback).
verdict_recorded = _signals.signal("verdict-recorded")
#: An application's review window closed and its report froze (sender: the Application;
#: `report`, the ForwardedReport).
window_closed = _signals.signal("window-closed")
#: A closed window's report is about to be frozen (sender: the Application). Receivers bring
#: what the report copies up to date, synchronously: ranking rescores the application.
report_freezing = _signals.signal("report-freezing")
#: An account's credentials can no longer be trusted: its password changed or was reset, or it
#: was banned (sender: the User; `session`). Receivers revoke what the old credentials gave:
#: api revokes the account's tokens.
credentials_revoked = _signals.signal("credentials-revoked")
#: An account was banned, from any page or the command line (sender: the User; `session`).
#: Receivers settle what waited on it and return a dict the ban's audit entry records:
#: community resolves the open flags on the account ({"flags_resolved": n}).
user_banned = _signals.signal("user-banned")
