"""Account services: create, find, authenticate with backoff, reset passwords, profiles, roles."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import unicodedata
from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record_action
from ..classification import normalise_cpc_symbol
from ..inputs import normalise_text, visible_name
from ..mail import send_mail
from ..models import User
from ..models.application import as_utc
from ..models.base import utcnow
from ..models.user import ADMIN, ROLES
from ..signals import credentials_revoked, user_banned
from ..tasks import queue_password_reset

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 80  # users.display_name
MAX_FAILED_LOGINS = 5
FIRST_LOCK = dt.timedelta(minutes=1)
MAX_LOCK = dt.timedelta(hours=1)
RESET_SALT = "reviewapp.password-reset"
RESET_MAX_AGE_SECONDS = 3600
# Where a queued reset link gets its token (made when the mail is sent, never stored).
RESET_TOKEN_SLOT = "RESET-TOKEN-SLOT"
MAX_EXPERTISE = 30

logger = logging.getLogger(__name__)

# One message for every refused login, so that it never tells whether an email has an account.
LOGIN_REFUSED = ("Wrong email or password. After 5 failed attempts in a row, logging in to an "
                 "account pauses for a few minutes (longer after each further failure).")
BANNED = ("This account has been suspended by the moderators. "
          "Write to them if you think this is a mistake.")
PASSWORD_TOO_SHORT = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
PASSWORD_TOO_LONG = f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
PASSWORD_BLANK = "A password cannot be only spaces: choose one with letters, digits or signs."
DISPLAY_NAME_MISSING = "Choose a display name (a pseudonym is fine)."
DISPLAY_NAME_INVISIBLE = ("This display name would show as nothing: it holds only invisible "
                          "characters (such as zero-width spaces). Choose a name with at least one "
                          "visible letter, digit or sign.")
DISPLAY_NAME_TOO_LONG = f"Choose a display name of at most {MAX_DISPLAY_NAME_LENGTH} characters."


@functools.cache
def _dummy_hash(method: str) -> str:
    """Return the hash of a password nobody has, made once per hashing method."""
    return generate_password_hash("not anyone's password", method=method)


def spend_hash_time(password: str) -> None:
    """Check `password` against a dummy hash, so that any refusal takes as long as a wrong one."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    check_password_hash(_dummy_hash(method), password)


class AccountError(ValueError):
    """An account operation refused, with a message for the user and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


EMAIL_INVALID = "Enter a valid email address."


def check_email(email: str) -> None:
    """Refuse an address that no mail could reach: the registration form's rule, for every caller."""
    try:
        validate_email(email.strip(), check_deliverability=False, test_environment=True,
                       globally_deliverable=False, allow_quoted_local=True, allow_domain_literal=True)
    except EmailNotValidError as error:
        raise AccountError(f"{EMAIL_INVALID} {error}", "email") from error


def normalise_email(email: str) -> str:
    """Return an email as stored and looked up: NFC, its domain in Unicode, lower-cased."""
    # One spelling per mailbox: "Zoe\u0308@" (decomposed) is "zo\u00eb@", and a punycode
    # domain ("xn--exmple-cua.com") its Unicode form ("ex\u00e4mple.com"), as email_validator
    # normalises them. It only reads the address: no DNS lookup, every kind of domain allowed.
    email = unicodedata.normalize("NFC", email.strip())
    try:
        email = validate_email(email, check_deliverability=False, test_environment=True,
                               globally_deliverable=False, allow_quoted_local=True,
                               allow_domain_literal=True).normalized
    except EmailNotValidError:
        pass  # looking up what was typed (or an account older than check_email): NFC and case
    # Unicode does not promise that lower-casing keeps a text in NFC: normalise last.
    return unicodedata.normalize("NFC", email.lower())


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this email (in any of its spellings), if any."""
    # Stored emails are in normal form (register_user; migration 0a6c2e4b8d13 for older ones).
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def check_new_password(password: str, field: str = "password") -> None:
    """Refuse a new password of blanks only, shorter than the minimum or longer than the maximum."""
    if password and not password.strip():
        raise AccountError(PASSWORD_BLANK, field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(PASSWORD_TOO_SHORT, field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(PASSWORD_TOO_LONG, field)


def clean_display_name(name: str) -> str:
    """Return a display name as stored (see `visible_name`); refuse one that shows as nothing."""
    cleaned = visible_name(name)
    if not cleaned:
        # Blanks alone are a name not given; zero-width or control characters, one that hides.
        raise AccountError(DISPLAY_NAME_INVISIBLE if name.strip() else DISPLAY_NAME_MISSING,
                           "display_name")
    if len(cleaned) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError(DISPLAY_NAME_TOO_LONG, "display_name")
    return cleaned


def register_user(session: Session, *, email: str, display_name: str, password: str,
                  role: str = "volunteer") -> User:
    """Create an account; refuse an invalid or taken email or a short password."""
    check_email(email)  # the command line and the demo as the form: an account one can log in to
    if find_user(session, email) is not None:
        raise AccountError("An account with this email already exists.", "email")
    check_new_password(password)
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.", "role")
    user = User(email=normalise_email(email), display_name=clean_display_name(display_name),
                role=role)
    user.set_password(password)
    try:
        # A savepoint: a concurrent registration of the same email loses cleanly, not with a 500.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as error:
        raise AccountError("An account with this email already exists.", "email") from error
    return user


# --- logging in -------------------------------------------------------------------------------

def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    """Tell whether repeated failures lock `user` out at `now`."""
    locked_until = as_utc(user.locked_until)
    return locked_until is not None and (now or utcnow()) < locked_until


def lock_delay(failures: int) -> dt.timedelta:
    """Return the lock after `failures` failures in a row: 1 min at 5, doubling, at most 1 hour."""
    if failures < MAX_FAILED_LOGINS:
        return dt.timedelta(0)
    # Bounding the exponent keeps the arithmetic small however many failures pile up.
    return min(FIRST_LOCK * 2 ** min(failures - MAX_FAILED_LOGINS, 16), MAX_LOCK)


def record_failed_login(session: Session, user: User, now: dt.datetime | None = None) -> None:
    """Count one more failure and lock the account once there are enough in a row."""
    # An SQL increment, so that concurrent guesses cannot overwrite each other's count.
    user.failed_logins = User.failed_logins + 1
    session.flush()
    session.refresh(user, ["failed_logins"])
    delay = lock_delay(user.failed_logins)
    if delay:
        user.locked_until = (now or utcnow()) + delay
        session.flush()


def authenticate(session: Session, email: str, password: str,
                 now: dt.datetime | None = None) -> User | None:
    """Return the account matching these credentials or None; AccountError if banned."""
    # Failures are counted and flushed here: the caller must commit even when None comes back.
    user = find_user(session, email)
    if user is None:
        spend_hash_time(password)
        return None
    if is_locked(user, now):
        # Attempts during a lock are not counted: otherwise anyone could keep a victim locked out.
        spend_hash_time(password)
        return None
    if not user.check_password(password):
        record_failed_login(session, user, now)
        return None
    if user.banned_at is not None or not user.active:
        raise AccountError(BANNED)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember cookie of `user`, on every device."""
    user.end_sessions()
    session.flush()


# --- password reset ---------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    """Return the signer of reset links: the app's secret key, salted for this one use."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_fingerprint(user: User) -> str:
    """Return a short digest of the stored hash: it changes with the password, voiding old links."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def create_reset_token(user: User) -> str:
    """Return a signed link token for `user`, valid until expiry or the next password change."""
    return _reset_serializer().dumps({"user": user.id, "fp": password_fingerprint(user)})


def user_for_reset_token(session: Session, token: str, max_age: int | None = None) -> User:
    """Return the account a reset token was made for; refuse expired, forged or used tokens."""
    if max_age is None:
        max_age = current_app.config.get("PASSWORD_RESET_MAX_AGE", RESET_MAX_AGE_SECONDS)
    try:
        payload = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise AccountError("This reset link has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise AccountError("This reset link is not valid. Ask for a new one.") from error
    user = session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or payload.get("fp") != password_fingerprint(user):
        raise AccountError("This reset link has already been used (or the password changed "
                           "since). Ask for a new one.")
    return user


def request_password_reset(session: Session, email: str, make_link: Callable[[str], str]) -> bool:
    """Queue a reset link, built by `make_link` from a token, for the account if one exists."""
    # The mail goes from the job queue, and a job is written whether or not the account
    # exists: the request does the same work either way, so its timing reveals no account.
    # The job makes the token: the link stored with it (and logged with the statement) is a
    # template holding no secret. The result says whether a message will go out; never show
    # it, or it reveals accounts.
    user = find_user(session, email)
    queue_password_reset(session, user.id if user is not None else None, make_link(RESET_TOKEN_SLOT))
    return user is not None


def mail_reset_link(session: Session, user_id: int, link_template: str) -> bool:
    """Mail an account a reset link: `link_template` with a fresh token in its slot."""
    user = session.get(User, user_id)
    if user is None:  # deleted since
        return False
    head, slot, tail = link_template.rpartition(RESET_TOKEN_SLOT)
    if not slot:
        raise ValueError(f"a reset link template needs the slot {RESET_TOKEN_SLOT!r}")
    minutes = current_app.config.get("PASSWORD_RESET_MAX_AGE", RESET_MAX_AGE_SECONDS) // 60
    body = (
        f"Hello {user.display_name},\n\n"
        "someone, hopefully you, asked to reset the password of your Open Prior Art account.\n"
        f"Choose a new password here within {minutes} minutes (the link works once):\n\n"
        f"{head}{create_reset_token(user)}{tail}\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n"
    )
    send_mail(user.email, "Reset your Open Prior Art password", body)
    return True


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password from a reset token, which stops working, and lift any lock."""
    user = user_for_reset_token(session, token)
    check_new_password(password)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user)  # whoever knew the old password is logged out everywhere
    credentials_revoked.send(user, session=session)  # ... and loses the tokens they made
    return user


# --- profile ----------------------------------------------------------------------------------

def normalise_cpc(symbol: str) -> str:
    """Return a CPC symbol as stored ("h04l9/32" -> "H04L 9/32"); AccountError if malformed."""
    try:
        return normalise_cpc_symbol(symbol)
    except ValueError as error:
        raise AccountError(f"{error}: give a class like H04L or a group like H01M 10/613, "
                           "separated by commas.", "expertise") from None


def parse_expertise(text: str) -> list[str]:
    """Return the normalised CPC symbols of a comma-separated list, once each, in order."""
    symbols = [normalise_cpc(part) for part in text.split(",") if part.strip()]
    symbols = list(dict.fromkeys(symbols))
    if len(symbols) > MAX_EXPERTISE:
        raise AccountError(f"List at most {MAX_EXPERTISE} CPC symbols.", "expertise")
    return symbols


def update_profile(session: Session, user: User, *, display_name: str, affiliation: str,
                   expertise: str, bio: str, mail_notifications: bool) -> None:
    """Save the profile; `expertise` is the comma-separated CPC symbols as typed."""
    name = clean_display_name(display_name)
    user.expertise = parse_expertise(expertise)
    user.display_name = name
    user.affiliation = affiliation.strip()
    user.bio = normalise_text(bio)  # a browser's CRLF is one character, as its maxlength counts it
    user.set_mail_notifications(mail_notifications)
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one, counted as a login's is."""
    # Failures count toward the account's lock, as at login: a session left open (a shared
    # computer, a stolen cookie) must not be a place to guess the password at leisure.
    # They are flushed before the refusal: the caller commits the re-shown form's request.
    if is_locked(user):
        spend_hash_time(current)
        raise AccountError("Too many wrong passwords: wait a few minutes and try again.",
                           "current_password")
    if not user.check_password(current):
        record_failed_login(session, user)
        raise AccountError("This is not your current password.", "current_password")
    check_new_password(new, "password")
    user.set_password(new)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user)
    credentials_revoked.send(user, session=session)


# --- roles ---------------------------------------------------------------------------

def other_admins(session: Session, user: User) -> list[int]:
    """Return the ids of the usable administrators besides `user`, locking their rows."""
    # Locking every admin row in id order serialises concurrent demotions (on SQLite the
    # database's write lock does): the second waits, then sees the first one's change, so two
    # admins demoting each other at once cannot leave none.
    admins = session.scalars(
        select(User.id)
        .where(User.role == ADMIN, User.banned_at.is_(None), User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    return [admin_id for admin_id in admins if admin_id != user.id]


def set_role(session: Session, user: User, role: str, actor: User | None) -> None:
    """Give `user` a role; `actor` None means the command line. Never leave no administrator."""
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.", "role")
    if actor is not None and not actor.is_admin:
        raise AccountError("Only administrators grant roles.", "role")
    if user.is_admin and role != ADMIN and not other_admins(session, user):
        raise AccountError("This is the last administrator: "
                           "make someone else an administrator first.", "role")
    user.role = role
    session.flush()


# --- bans ----------------------------------------------------------------------------

def ban_user(session: Session, actor: User, user: User, reason: str = "") -> None:
    """Ban `user`, whose every session ends at once, and record it (callers authorize)."""
    if user.id == actor.id:
        raise AccountError("You cannot ban yourself.")
    if user.banned_at is not None:
        raise AccountError(f"{user.display_name} is already banned.")
    if user.is_admin and not other_admins(session, user):
        raise AccountError("This is the last administrator and cannot be banned.")
    user.banned_at = utcnow()
    user.end_sessions()  # a later unban must not bring old sessions or remember cookies back
    credentials_revoked.send(user, session=session)  # ... nor API tokens
    session.flush()
    detail: dict[str, object] = {"reason": reason.strip()} if reason.strip() else {}
    for _receiver, settled in user_banned.send(user, session=session):
        detail |= settled or {}
    record_action(session, actor, "ban", "user", user.id, **detail)


def unban_user(session: Session, actor: User, user: User, reason: str = "") -> None:
    """Lift a ban and record it."""
    if user.banned_at is None:
        raise AccountError(f"{user.display_name} is not banned.")
    user.banned_at = None
    session.flush()
    detail = {"reason": reason.strip()} if reason.strip() else {}
    record_action(session, actor, "unban", "user", user.id, **detail)
