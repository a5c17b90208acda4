"""What every route of the app answers each role: the table the access and CSRF tests share.

A route missing here fails `test_every_route_has_an_expectation`: add it with its answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import url_for

from tests.factories import PASSWORD

ROLES = ("anonymous", "volunteer", "examiner", "admin")
LOGIN = "login"  # 302 to the login page, with `next` (a POST's: the page it was sent from)
OK, MOVED, FORBIDDEN, MISSING = 200, 302, 403, 404
EVERYONE = (OK, OK, OK, OK)
MEMBERS = (LOGIN, OK, OK, OK)
MEMBERS_MOVED = (LOGIN, MOVED, MOVED, MOVED)
EXAMINERS = (LOGIN, FORBIDDEN, OK, OK)
EXAMINERS_MOVED = (LOGIN, FORBIDDEN, MOVED, MOVED)
ADMINS = (LOGIN, FORBIDDEN, FORBIDDEN, OK)
ADMINS_MOVED = (LOGIN, FORBIDDEN, FORBIDDEN, MOVED)
GUESTS = (OK, MOVED, MOVED, MOVED)  # login and register: members are sent home

# Blueprints registered by work in progress elsewhere: their routes may be absent for now.
OPTIONAL = {("ranking.admin", "GET"), ("ranking.retrain", "POST")}


@dataclass(frozen=True)
class Route:
    """The URL values (world attribute names), the form posted, and the answers per role."""

    expect: tuple[Any, Any, Any, Any]  # anonymous, volunteer, examiner, admin
    values: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)  # "{attr}" is filled from the world

    def url_values(self, world) -> dict[str, Any]:
        """Return the URL parameters, looked up in `world` (a literal when prefixed with '=')."""
        return {name: source[1:] if source.startswith("=") else getattr(world, source)
                for name, source in self.values.items()}

    def form(self, world) -> dict[str, str]:
        """Return the form data with the world's values filled in."""
        fill = vars(world)
        return {key.format(**fill): value.format(**fill) for key, value in self.data.items()}


APP = {"number": "number"}
SUB = {"submission_id": "submission_id"}
OWN = {"submission_id": "own_submission_id"}
FLAG_SUBMISSION = {"target_type": "=submission", "target_id": "submission_id"}
NEW_PASSWORD = "a brand new password"

ROUTES: dict[tuple[str, str], Route] = {
    # --- applications
    ("applications.index", "GET"): Route(EVERYONE),
    ("applications.detail", "GET"): Route(EVERYONE, APP),
    ("applications.watch", "POST"): Route(MEMBERS_MOVED, {"number": "closed_number"}),
    ("applications.unwatch", "POST"): Route(MEMBERS_MOVED, APP),
    # --- prior art
    ("priorart.submit", "GET"): Route(MEMBERS, APP),
    ("priorart.submit", "POST"): Route(MEMBERS_MOVED, APP, {
        "kind": "us", "identifier": "US 7,000,123 B2", "title": "Radiator", "publication_date": "2012-01-01",
        "claims": "1", "explanation": "Shows the radiator of claim 1.", "conflict": "none"}),
    ("priorart.detail", "GET"): Route(EVERYONE, SUB),
    ("priorart.edit", "GET"): Route((LOGIN, OK, FORBIDDEN, FORBIDDEN), OWN),
    ("priorart.edit", "POST"): Route((LOGIN, MOVED, FORBIDDEN, FORBIDDEN), OWN, {
        "title": "Cold plate, revised", "publication_date": "2015-03-03", "claims": "1",
        "explanation": "Shows the cold plate of claim 1."}),
    ("priorart.withdraw", "GET"): Route((LOGIN, OK, FORBIDDEN, FORBIDDEN), OWN),  # the confirmation
    ("priorart.withdraw", "POST"): Route((LOGIN, MOVED, FORBIDDEN, FORBIDDEN), OWN, {"confirm": "yes"}),
    # --- community
    ("community.discussion", "GET"): Route(EVERYONE, APP),
    ("community.add_comment", "POST"): Route(MEMBERS_MOVED, APP, {"body": "Agreed.", "claim_id": "0"}),
    ("community.tag_application", "POST"): Route(MEMBERS_MOVED, APP, {"name": "thermal"}),
    ("community.untag_application", "POST"): Route(MEMBERS_MOVED, {"number": "number", "name": "tag"}),
    ("community.submission_tags", "GET"): Route(MEMBERS, SUB),
    ("community.submission_tags", "POST"): Route(MEMBERS_MOVED, SUB, {"name": "thermal"}),
    ("community.untag_submission", "POST"): Route(MEMBERS_MOVED, {"submission_id": "submission_id",
                                                                  "name": "tag"}),
    ("community.tags", "GET"): Route(EVERYONE),
    ("community.tag", "GET"): Route(EVERYONE, {"name": "tag"}),
    ("community.vote", "POST"): Route(MEMBERS_MOVED, SUB, {"value": "up"}),
    ("community.mark_claim", "POST"): Route(MEMBERS_MOVED, SUB, {"claim_id": "{claim_id}", "action": "mark"}),
    ("community.flag", "GET"): Route(MEMBERS, FLAG_SUBMISSION),
    ("community.flag", "POST"): Route(MEMBERS_MOVED, FLAG_SUBMISSION, {"reason": "Off-topic."}),
    ("community.moderation", "GET"): Route(ADMINS),
    ("community.moderate", "POST"): Route(ADMINS_MOVED, {"target_type": "=comment", "target_id": "comment_id",
                                                         "action": "=hide"}, {"reason": "Spam."}),
    ("community.resolve_flag", "POST"): Route(ADMINS_MOVED, {"flag_id": "flag_id"}),
    ("community.notifications", "GET"): Route(MEMBERS),
    # The notification is the volunteer's: anyone else's request for it is a 404.
    ("community.read_notification", "POST"): Route((LOGIN, MOVED, MISSING, MISSING),
                                                   {"notification_id": "notification_id"}),
    ("community.read_all_notifications", "POST"): Route(MEMBERS_MOVED),
    # The link of a notification mail: its token says whose mail stops, whoever follows it.
    ("community.unsubscribe", "GET"): Route(EVERYONE, {"token": "unsubscribe_token"}),
    ("community.unsubscribe", "POST"): Route((MOVED,) * 4, {"token": "unsubscribe_token"},
                                             {"confirm": "yes"}),
    ("community.reviewer", "GET"): Route(EVERYONE, {"user_id": "user_id"}),
    ("community.me", "GET"): Route(MEMBERS_MOVED),
    # --- accounts
    ("auth.login", "GET"): Route(GUESTS),
    ("shortcuts.login_shortcut", "GET"): Route((MOVED,) * 4),
    ("shortcuts.register_shortcut", "GET"): Route((MOVED,) * 4),
    ("auth.login", "POST"): Route(GUESTS, data={"email": "val@example.test", "password": "not the password"}),
    ("auth.logout", "POST"): Route(MEMBERS_MOVED),
    ("auth.register", "GET"): Route(GUESTS),
    ("auth.register", "POST"): Route((MOVED, MOVED, MOVED, MOVED), data={
        "email": "newcomer@example.org", "display_name": "Newcomer", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD}),
    ("auth.forgot_password", "GET"): Route(EVERYONE),
    ("auth.forgot_password", "POST"): Route((MOVED,) * 4, data={"email": "val@example.test"}),
    ("auth.reset_password", "GET"): Route(EVERYONE, {"token": "reset_token"}),
    ("auth.reset_password", "POST"): Route((MOVED,) * 4, {"token": "reset_token"},
                                           {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("auth.profile", "GET"): Route(MEMBERS),
    ("auth.profile", "POST"): Route(MEMBERS_MOVED, data={"display_name": "Renamed", "affiliation": "",
                                                         "expertise": "H01M", "bio": ""}),
    ("auth.password", "GET"): Route(MEMBERS),
    ("auth.password", "POST"): Route(MEMBERS_MOVED, data={"current_password": PASSWORD,
                                                          "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    # --- administration
    ("admin.index", "GET"): Route(ADMINS),
    ("admin.users", "GET"): Route(ADMINS),
    ("admin.user_role", "POST"): Route(ADMINS_MOVED, {"user_id": "target_id"},
                                       {"role": "examiner", "confirm": "yes"}),
    ("admin.user_ban", "GET"): Route(ADMINS, {"user_id": "target_id"}),  # the confirmation
    ("admin.user_ban", "POST"): Route(ADMINS_MOVED, {"user_id": "target_id"},
                                      {"reason": "Spam.", "confirm": "yes"}),
    ("admin.user_unban", "POST"): Route(ADMINS_MOVED, {"user_id": "banned_id"}),
    ("admin.applications", "GET"): Route(ADMINS),
    ("admin.application", "GET"): Route(ADMINS, {"application_id": "application_id"}),
    ("admin.application_open", "POST"): Route(ADMINS_MOVED, {"application_id": "closed_application_id"},
                                              {"days": "30"}),
    ("admin.application_close", "GET"): Route(ADMINS, {"application_id": "application_id"}),
    ("admin.application_close", "POST"): Route(ADMINS_MOVED, {"application_id": "application_id"},
                                               {"confirm": "yes"}),
    ("admin.audit", "GET"): Route(ADMINS),
    ("ranking.admin", "GET"): Route(ADMINS),
    ("ranking.retrain", "POST"): Route(ADMINS_MOVED),
    # This world has no import folder, and a table form posts no file: an admin's request is
    # refused for that (tests/imports covers accepted ones, CSRF included).
    ("imports.index", "GET"): Route(ADMINS),
    ("imports.upload", "POST"): Route((LOGIN, FORBIDDEN, FORBIDDEN, 400)),
    ("imports.folder", "POST"): Route((LOGIN, FORBIDDEN, FORBIDDEN, 400), data={"folder-name": "ipg.xml"}),
    ("imports.detail", "GET"): Route(ADMINS, {"run_id": "import_run_id"}),
    ("imports.status", "GET"): Route(ADMINS, {"run_id": "running_import_id"}),
    # The world's import is running: refused with a message (tests/imports covers a queued one).
    ("imports.cancel", "POST"): Route(ADMINS_MOVED, {"run_id": "running_import_id"}),
    # --- examiners
    ("examiner.queue", "GET"): Route(EXAMINERS),
    ("examiner.application", "GET"): Route(EXAMINERS, APP),
    ("examiner.feedback", "GET"): Route(EXAMINERS, SUB),
    ("examiner.feedback", "POST"): Route(EXAMINERS_MOVED, SUB, {
        "s{submission_id}-verdict": "known", "s{submission_id}-note": "Seen it."}),
    ("examiner.freeze", "POST"): Route(EXAMINERS_MOVED, {"number": "closed_number"}),
    # The open review's report is a preview: examiners only until the window closes.
    ("examiner.report", "GET"): Route(EXAMINERS, APP),
    ("examiner.report_pdf_view", "GET"): Route(EXAMINERS, APP),
    ("export.index", "GET"): Route(EXAMINERS),
    ("export.download", "GET"): Route(EXAMINERS, {"kind": "=feedback"}),
    ("api_tokens.tokens", "GET"): Route(EXAMINERS),
    ("api_tokens.tokens", "POST"): Route(EXAMINERS, data={"name": "another script"}),
    # The token is the examiner's: the admin may not revoke it.
    ("api_tokens.revoke", "GET"): Route((LOGIN, FORBIDDEN, OK, MISSING), {"token_id": "token_id"}),  # the confirmation
    ("api_tokens.revoke", "POST"): Route((LOGIN, FORBIDDEN, MOVED, MISSING), {"token_id": "token_id"},
                                         {"confirm": "yes"}),
    # --- the JSON API: public data for everyone; the session never raises the level
    ("api.applications", "GET"): Route(EVERYONE),
    ("api.application", "GET"): Route(EVERYONE, APP),
    ("api.prior_art", "GET"): Route(EVERYONE, APP),
    ("api.submission", "GET"): Route(EVERYONE, SUB),
    ("api.openapi", "GET"): Route(EVERYONE),
    # --- search and the library
    ("searchpage.search_page", "GET"): Route(EVERYONE),
    ("searchpage.search_api", "GET"): Route(EVERYONE),
    ("searchpage.similar", "GET"): Route(EVERYONE, {"number": "number", "claim_number": "=1"}),
    ("searchpage.document", "GET"): Route(EVERYONE, {"number": "library_number"}),
    ("static", "GET"): Route(EVERYONE, {"filename": "=site.css"}),
}


def app_routes(app) -> set[tuple[str, str]]:
    """Return (endpoint, method) for every route of `app`, HEAD and OPTIONS aside."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def path_of(app, endpoint: str, values: dict) -> str:
    """Return the site-relative URL of `endpoint`."""
    with app.test_request_context():
        return url_for(endpoint, **values)


def describe(response) -> str:
    """Return the status, the redirect and the start of the body, for failure messages."""
    body = response.get_data(as_text=True)[:300] if response.mimetype != "application/pdf" else "(pdf)"
    return f"{response.status_code} {response.location or ''} {body!r}"


def assert_answer(response, expected, label: str) -> None:
    """Check `response` against an expected status, MOVED, or LOGIN (to log in, then come back)."""
    if expected in (LOGIN, MOVED):
        assert response.status_code == 302, f"{label}: want a redirect, got {describe(response)}"
        target = urlsplit(response.location)
        to_login = target.path == "/auth/login" and "next" in parse_qs(target.query)
        assert to_login == (expected == LOGIN), f"{label}: want {expected}, got {describe(response)}"
    else:
        assert response.status_code == expected, f"{label}: want {expected}, got {describe(response)}"


def allowed_role(endpoint: str, method: str) -> str:
    """Return the lowest role the table lets through (anonymous first, an admin last)."""
    expect = dict(zip(ROLES, ROUTES[(endpoint, method)].expect))
    return next(role for role in ROLES if expect[role] not in (LOGIN, FORBIDDEN, MISSING))
