"""Votes, claim marks, tags, discussion, flags, moderation, notifications, reviewer pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..auth.decorators import role_required
from ..confirm import confirm_page, confirmed
from ..extensions import db
from ..inputs import local_target, page_number
from ..loaders import application_or_404, submission_or_404
from ..models import Application, Comment, Flag, Notification, Submission, User
from ..models.user import ADMIN
from . import discussion as discussion_service
from . import links, reviewers, votes
from . import moderation as moderation_service
from . import notifications as notification_service
from . import tags as tag_service
from .common import CommunityError, get_by_id
from .forms import CommentForm, FlagForm, MarkForm, ModerationForm, TagForm, VoteForm
from .markdown import render_markdown

# What a moderation action did, in words ("hidden", not "hide done").
DONE = {"hide": "hidden", "restore": "restored", "remove": "removed", "ban": "banned", "unban": "unbanned"}
bp = Blueprint("community", __name__)
# Ids are 32-bit in PostgreSQL: a longer number in a URL is a 404, not a database error.
ID = "int(min=1, max=2147483647)"
bp.add_app_template_filter(render_markdown, "markdown")


# --- helpers -----------------------------------------------------------------------------------

def per_page() -> int:
    return current_app.config["ITEMS_PER_PAGE"]


def back(default: str):
    """Redirect to the form's local `next` page, else to `default`."""
    return redirect(local_target(request.form.get("next")) or default)


def submission_url(submission: Submission) -> str:
    return links.submission_path(db.session, submission)


def show_error(form: FlaskForm, error: CommunityError) -> None:
    """Put a refusal next to its field, or flash it when the form has no such field."""
    if error.field and error.field in form:
        form[error.field].errors.append(str(error))
    else:
        flash(str(error), "error")


def untag(target: Application | Submission, name: str) -> None:
    """Remove a tag for the current user, flashing the outcome or the refusal."""
    try:
        if tag_service.remove_tag(db.session, target, name, current_user):
            flash(f"Tag {name} removed.", "success")
    except CommunityError as error:
        flash(str(error), "error")


def render_discussion(application: Application, form: CommentForm | None = None,
                      tag_form: TagForm | None = None):
    """Render the discussion page, with a form as the user left it."""
    panel = discussion_service.application_panel(db.session, application, current_user, page=page_number(),
                                       per_page=per_page())
    form = (form or CommentForm()).set_claims(panel.claim_choices)
    parent = get_by_id(db.session, Comment, form.parent_id.data)
    if parent is not None and (parent.application_id != application.id
                               or not parent.can_view(current_user)):
        parent = None  # another application's, or hidden: its author is not to be named
    return render_template("community/discussion.html", application=application, panel=panel,
                           form=form, tag_form=tag_form or TagForm(), parent=parent)


# --- discussion --------------------------------------------------------------------------------

@bp.route("/applications/<number>/discussion")
def discussion(number: str):
    """Show an application's threaded discussion, its tags and the comment form."""
    return render_discussion(application_or_404(number))


@bp.route("/applications/<number>/comments", methods=["POST"])
@login_required
def add_comment(number: str):
    """Post a comment or a reply."""
    application = application_or_404(number)
    form = CommentForm().set_claims(discussion_service.claim_choices(application))
    if form.validate_on_submit():
        try:
            comment = discussion_service.post_comment(db.session, application, current_user, form.body.data,
                                            parent_id=form.parent_id.data, claim_id=form.claim_id.data)
        except CommunityError as error:
            show_error(form, error)
        else:
            flash("Your comment is posted.", "success")
            page = page_number() if comment.parent_id else None  # a new thread comes first
            return redirect(url_for(".discussion", number=application.number, page=page,
                                    _anchor=f"comment-{comment.id}"))
    return render_discussion(application, form=form)


# --- tags --------------------------------------------------------------------------------------

@bp.route("/applications/<number>/tags", methods=["POST"])
@login_required
def tag_application(number: str):
    """Add a tag to an application."""
    application = application_or_404(number)
    form = TagForm()
    if _tagged(application, form):
        return back(url_for(".discussion", number=application.number))
    return render_discussion(application, tag_form=form)


def _tagged(target: Application | Submission, form: TagForm) -> bool:
    """Add the form's tag to target and say so; False (the refusal on the form) when not."""
    if not form.validate_on_submit():
        return False
    try:
        tag = tag_service.add_tag(db.session, target, form.name.data, current_user)
    except CommunityError as error:
        show_error(form, error)
        return False
    flash(f"Tagged {tag.name}.", "success")
    return True


@bp.route("/applications/<number>/tags/<name>/remove", methods=["POST"])
@login_required
def untag_application(number: str, name: str):
    """Take a tag off an application."""
    application = application_or_404(number)
    untag(application, name)
    return back(url_for(".discussion", number=application.number))


@bp.route(f"/submissions/<{ID}:submission_id>/tags", methods=["GET", "POST"])
@login_required
def submission_tags(submission_id: int):
    """Show and add the tags of a submission."""
    submission = submission_or_404(submission_id)
    form = TagForm()
    if _tagged(submission, form):
        return back(url_for(".submission_tags", submission_id=submission.id))
    links = tag_service.submission_tag_links(db.session, submission)
    return render_template("community/submission_tags.html", submission=submission, form=form,
                           tags=[name for name, _ in links],
                           removable=tag_service.removable_tags(submission, links, current_user))


@bp.route(f"/submissions/<{ID}:submission_id>/tags/<name>/remove", methods=["POST"])
@login_required
def untag_submission(submission_id: int, name: str):
    """Take a tag off a submission."""
    submission = submission_or_404(submission_id)
    untag(submission, name)
    return back(url_for(".submission_tags", submission_id=submission.id))


@bp.route("/tags")
def tags():
    """List the tags in use with how many applications and submissions carry each."""
    page = db.paginate(tag_service.tags_query(), page=page_number(), per_page=per_page(), error_out=False)
    return render_template("community/tags.html", page=page,
                           counts=tag_service.tag_counts(db.session, page.items))


@bp.route("/tags/<name>")
def tag(name: str):
    """List the applications and submissions carrying one tag."""
    tag = tag_service.find_tag(db.session, name) or abort(404)
    applications = db.paginate(tag_service.tagged_applications_query(tag), page=page_number(),
                               per_page=per_page(), error_out=False)
    submissions = db.paginate(tag_service.tagged_submissions_query(tag, current_user),
                              page=page_number("spage"), per_page=per_page(), error_out=False)
    return render_template("community/tag.html", tag=tag, applications=applications,
                           submissions=submissions,
                           links=links.submission_paths(db.session, submissions.items))


# --- votes and claim marks ---------------------------------------------------------------------

@bp.route(f"/submissions/<{ID}:submission_id>/vote", methods=["POST"])
@login_required
def vote(submission_id: int):
    """Vote a submission up or down, or take the vote back."""
    submission = submission_or_404(submission_id)
    form = VoteForm()
    if not form.validate_on_submit():
        flash("Vote up or down, or remove your vote.", "error")
        return back(submission_url(submission))
    try:
        if form.value.data == "clear":
            votes.remove_vote(db.session, submission, current_user)
            flash("Your vote is removed.", "success")
        else:
            votes.cast_vote(db.session, submission, current_user, 1 if form.value.data == "up" else -1)
            flash(f"Your vote ({form.value.data}) is counted.", "success")
    except CommunityError as error:
        flash(str(error), "error")
    return back(submission_url(submission))


@bp.route(f"/submissions/<{ID}:submission_id>/marks", methods=["POST"])
@login_required
def mark_claim(submission_id: int):
    """Mark or unmark "this prior art reads on claim N"."""
    submission = submission_or_404(submission_id)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(" ".join(form.claim_id.errors) or "Choose a claim, and to mark or unmark it.", "error")
        return back(submission_url(submission))
    marked = form.action.data == "mark"
    try:
        votes.set_claim_mark(db.session, submission, current_user, form.claim_id.data, marked)
    except CommunityError as error:
        flash(str(error), "error")
    else:
        flash("Marked: it reads on that claim." if marked else "Mark removed.", "success")
    return back(submission_url(submission))


# --- flags and moderation ----------------------------------------------------------------------

@bp.route(f"/flag/<target_type>/<{ID}:target_id>", methods=["GET", "POST"])
@login_required
def flag(target_type: str, target_id: int):
    """Ask the moderators to look at a submission, comment or user."""
    target = moderation_service.load_target(db.session, target_type, target_id, current_user) or abort(404)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            moderation_service.flag_content(db.session, current_user, target, form.reason.data)
        except CommunityError as error:
            show_error(form, error)
        else:
            flash("Thank you: a moderator will look at it.", "success")
            return back(moderation_service.target_path(db.session, target, current_user))
    return render_template("community/flag.html", form=form, target_type=target_type, target_id=target_id,
                           label=moderation_service.target_label(db.session, target))


@bp.route("/moderation")
@role_required(ADMIN)
def moderation():
    """List the open flags, oldest first, with what they point at."""
    page = db.paginate(moderation_service.open_flags_query(), page=page_number(), per_page=per_page(), error_out=False)
    return render_template("community/moderation.html", page=page,
                           rows=moderation_service.flag_rows(db.session, page.items, current_user))


@bp.route(f"/moderation/<target_type>/<{ID}:target_id>/<action>", methods=["POST"])
@role_required(ADMIN)
def moderate(target_type: str, target_id: int, action: str):
    """Hide or restore a submission or comment, ban or unban a user."""
    target = moderation_service.load_target(db.session, target_type, target_id, current_user) or abort(404)
    form = ModerationForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors), "error")
        return back(url_for(".moderation"))
    if action == "ban" and not confirmed():
        label = moderation_service.target_label(db.session, target)
        return confirm_page(title=f"Ban {label}?", button="Ban this account",
                            message="They are logged out at their next request and cannot log in until unbanned.",
                            cancel_url=url_for(".moderation"), reason=form.reason.data or "",
                            keep={"next": request.form.get("next", "")})
    try:
        moderation_service.moderate(db.session, current_user, target, action, form.reason.data or "")
    except CommunityError as error:
        flash(str(error), "error")
    else:
        flash(f"{moderation_service.target_label(db.session, target)}: {DONE.get(action, action + ' done')}.", "success")
    return back(url_for(".moderation"))


@bp.route(f"/moderation/flags/<{ID}:flag_id>/resolve", methods=["POST"])
@role_required(ADMIN)
def resolve_flag(flag_id: int):
    """Close a flag without acting on its target."""
    flag = db.get_or_404(Flag, flag_id)
    try:
        moderation_service.resolve_flag(db.session, flag, current_user, "dismissed")
    except CommunityError as error:
        flash(str(error), "error")
    else:
        flash("Flag dismissed.", "success")
    return back(url_for(".moderation"))


# --- notifications -----------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def notifications():
    """List the user's notifications, newest first."""
    page = db.paginate(notification_service.notifications_query(current_user), page=page_number(), per_page=per_page(),
                       error_out=False)
    return render_template("community/notifications.html", page=page,
                           links=notification_service.notification_paths(db.session, page.items,
                                                                         current_user))


@bp.route(f"/notifications/<{ID}:notification_id>/read", methods=["POST"])
@login_required
def read_notification(notification_id: int):
    """Mark one notification as read."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or not notification.can_view(current_user):
        abort(404)
    notification_service.mark_read(db.session, notification, current_user)
    return back(url_for(".notifications"))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop the notification mail of the account a mail's link names, once confirmed; no login."""
    user = notification_service.user_of_unsubscribe_token(db.session, token)
    if user is None:
        abort(404)
    if not confirmed():
        return confirm_page(
            title="Stop notification emails?",
            message="No more emails about the applications this account watches. The "
                    "notifications stay on the site, and your profile can turn the emails back on.",
            button="Stop the emails", cancel_url=url_for("applications.index"))
    notification_service.stop_mail(db.session, user)
    flash("No more notification emails. Turn them back on in your profile.", "success")
    return redirect(url_for("applications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    """Mark every notification of the user as read."""
    count = notification_service.mark_all_read(db.session, current_user)
    flash(f"{count} notification(s) marked as read.", "success")
    return back(url_for(".notifications"))


# --- reviewer pages ----------------------------------------------------------------------------

@bp.route(f"/reviewers/<{ID}:user_id>")
def reviewer(user_id: int):
    """Show a volunteer's public record: submissions, verdicts, endorsements, votes, reputation."""
    user = db.get_or_404(User, user_id)
    profile = reviewers.reviewer_page(db.session, user, current_user, page=page_number(),
                                     endorsement_page=page_number("epage"), per_page=per_page())
    return render_template("community/reviewer.html", profile=profile)


@bp.route("/me")
@login_required
def me():
    """Go to one's own reviewer page."""
    return redirect(url_for(".reviewer", user_id=current_user.id))
