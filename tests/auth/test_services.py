"""Account services: registration, login backoff, password reset, profile, roles."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from reviewapp.auth.services import (
    AccountError,
    authenticate,
    change_password,
    check_new_password,
    create_reset_token,
    find_user,
    lock_delay,
    normalise_cpc,
    normalise_email,
    parse_expertise,
    register_user,
    request_password_reset,
    reset_password,
    set_role,
    update_profile,
    user_for_reset_token,
)
from reviewapp.models import User
from reviewapp.models.application import as_utc
from reviewapp.models.base import utcnow
from tests.factories import PASSWORD, make_user

# --- registration -----------------------------------------------------------------------------

def test_register_stores_a_normalised_email_and_a_hash(db):
    user = register_user(db.session, email="  Ada@Example.ORG ", display_name=" Ada ", password="long enough pw")
    assert user.id is not None
    assert user.email == "ada@example.org"
    assert user.display_name == "Ada"
    assert user.role == "volunteer"
    assert user.password_hash != "long enough pw" and user.check_password("long enough pw")


def test_register_refuses_a_taken_email_whatever_its_case(db):
    make_user(email="ada@example.org")
    with pytest.raises(AccountError, match="already exists") as info:
        register_user(db.session, email="ADA@example.org", display_name="Other", password="long enough pw")
    assert info.value.field == "email"
    assert len(db.session.scalars(select(User)).all()) == 1


def test_register_refuses_a_short_password(db):
    with pytest.raises(AccountError, match="at least 10") as info:
        register_user(db.session, email="ada@example.org", display_name="Ada", password="short")
    assert info.value.field == "password"
    assert find_user(db.session, "ada@example.org") is None


def test_register_refuses_an_unknown_role(db):
    with pytest.raises(AccountError, match="Unknown role"):
        register_user(db.session, email="ada@example.org", display_name="Ada", password="long enough pw",
                      role="emperor")


def test_find_user_ignores_case_and_blanks(db):
    user = make_user(email="bob@example.org")
    assert find_user(db.session, " BOB@example.org") == user
    assert find_user(db.session, "nobody@example.org") is None


ZOE = "zo\u00eb@example.com"  # e with diaeresis, precomposed (NFC)


@pytest.mark.parametrize("typed, stored", [
    ("Zoe\u0308@Example.com", ZOE),  # decomposed: e + combining diaeresis
    ("ZO\u00cb@EXAMPLE.COM", ZOE),
    ("user@xn--exmple-cua.com", "user@ex\u00e4mple.com"),  # punycode domain: its Unicode form
    ("USER@EXA\u0308MPLE.com", "user@ex\u00e4mple.com"),
    (" ed@example.test ", "ed@example.test"),
    ("Admin@LOCALHOST", "admin@localhost"),  # made on the command line: no format check
    ("not an address", "not an address"),
])
def test_one_mailbox_has_one_normal_form(typed, stored):
    assert normalise_email(typed) == stored
    assert unicodedata.is_normalized("NFC", normalise_email(typed))


def test_every_spelling_of_a_mailbox_finds_its_one_account(db):
    """NFD or NFC, Unicode or punycode domain: one account, reached by login and reset alike."""
    zoe = register_user(db.session, email="Zoe\u0308@example.com", display_name="Zoe",
                        password="long enough pw")
    user = register_user(db.session, email="user@xn--exmple-cua.com", display_name="U",
                         password="long enough pw")
    assert (zoe.email, user.email) == (ZOE, "user@ex\u00e4mple.com")
    for spelling in (ZOE, "ZOE\u0308@EXAMPLE.COM"):
        with pytest.raises(AccountError, match="already exists"):
            register_user(db.session, email=spelling, display_name="Twin",
                          password="long enough pw")
        assert find_user(db.session, spelling) == zoe
        assert authenticate(db.session, spelling, "long enough pw") == zoe
    assert find_user(db.session, "user@ex\u00e4mple.com") == user
    assert len(db.session.scalars(select(User)).all()) == 2


@pytest.mark.parametrize("typed", ["\u200b\u200b", "\u2060", "\u200e \u202e", "\u0301",
                                   "\u3164", "\x07"])
def test_a_display_name_that_shows_nothing_is_refused(db, typed):
    with pytest.raises(AccountError, match="would show as nothing") as info:
        register_user(db.session, email="ada@example.org", display_name=typed,
                      password="long enough pw")
    assert info.value.field == "display_name"
    user = make_user(name="Ada")
    with pytest.raises(AccountError, match="would show as nothing"):
        update_profile(db.session, user, display_name=typed, affiliation="", expertise="", bio="",
                       mail_notifications=True)
    assert user.display_name == "Ada"


def test_a_display_name_loses_its_invisible_ends_and_is_stored_in_nfc(db):
    user = register_user(db.session, email="ada@example.org",
                         display_name="\u200bZoe\u0308\u200b\u2060 ", password="long enough pw")
    assert user.display_name == "Zo\u00eb"
    update_profile(db.session, user, display_name="\ufeffA\u0301da \u200d", affiliation="",
                   expertise="", bio="", mail_notifications=True)
    assert user.display_name == "\u00c1da"
    with pytest.raises(AccountError, match="Choose a display name"):
        update_profile(db.session, user, display_name="   ", affiliation="", expertise="", bio="",
                       mail_notifications=True)


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10"), (" " * 12, "only spaces"), ("\t \n" * 5, "only spaces"),
    ("x" * 257, "at most 256"),
])
def test_a_new_password_is_refused_with_its_own_reason(db, password, message):
    with pytest.raises(AccountError, match=message):
        check_new_password(password)
    with pytest.raises(AccountError, match=message):
        register_user(db.session, email="ada@example.org", display_name="Ada", password=password)
    check_new_password("x" * 256)
    check_new_password("  spaces around  ")


# --- login and backoff ------------------------------------------------------------------------

def test_authenticate_accepts_the_right_password_and_resets_failures(db):
    user = make_user(failed_logins=3)
    assert authenticate(db.session, user.email.upper(), PASSWORD) == user
    assert user.failed_logins == 0 and user.locked_until is None


def test_authenticate_refuses_wrong_password_and_unknown_email(db):
    user = make_user()
    assert authenticate(db.session, user.email, "wrong password!") is None
    assert user.failed_logins == 1
    assert authenticate(db.session, "nobody@example.org", PASSWORD) is None


def test_five_failures_lock_the_account_even_against_the_right_password(db):
    user = make_user()
    now = utcnow()
    for _ in range(4):
        authenticate(db.session, user.email, "wrong password!", now=now)
    assert user.locked_until is None
    authenticate(db.session, user.email, "wrong password!", now=now)
    assert user.failed_logins == 5
    assert as_utc(user.locked_until) == now + dt.timedelta(minutes=1)
    assert authenticate(db.session, user.email, PASSWORD, now=now + dt.timedelta(seconds=30)) is None
    # Attempts while locked are not counted, so nobody can keep someone else locked out.
    assert user.failed_logins == 5


def test_wrong_current_passwords_count_toward_the_lock_and_a_lock_refuses_the_change(db):
    """A session left open is no place to guess the password: five misses lock the account."""
    user = make_user()
    for _ in range(5):
        with pytest.raises(AccountError, match="not your current password"):
            change_password(db.session, user, "wrong password!", "a new long password")
    assert user.failed_logins == 5 and user.locked_until is not None
    with pytest.raises(AccountError, match="Too many wrong passwords") as refused:
        change_password(db.session, user, PASSWORD, "a new long password")  # even the right one
    assert refused.value.field == "current_password" and user.check_password(PASSWORD)
    assert authenticate(db.session, user.email, PASSWORD) is None  # the login is locked as well
    user.locked_until = utcnow() - dt.timedelta(seconds=1)
    change_password(db.session, user, PASSWORD, "a new long password")
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert user.check_password("a new long password")


def test_the_lock_lifts_after_its_delay_and_success_resets_it(db):
    user = make_user(failed_logins=5, locked_until=utcnow() - dt.timedelta(seconds=1))
    assert authenticate(db.session, user.email, PASSWORD) == user
    assert user.failed_logins == 0 and user.locked_until is None


def test_each_failure_after_a_lock_doubles_it(db):
    now = utcnow()
    user = make_user(failed_logins=5, locked_until=now - dt.timedelta(seconds=1))
    authenticate(db.session, user.email, "wrong password!", now=now)
    assert user.failed_logins == 6
    assert as_utc(user.locked_until) == now + dt.timedelta(minutes=2)


def test_lock_delay_doubles_from_one_minute_up_to_an_hour():
    assert lock_delay(4) == dt.timedelta(0)
    assert [lock_delay(n).total_seconds() / 60 for n in range(5, 12)] == [1, 2, 4, 8, 16, 32, 60]
    assert lock_delay(10_000) == dt.timedelta(hours=1)


def test_a_banned_account_with_the_right_password_gets_a_clear_refusal(db):
    user = make_user(banned_at=utcnow())
    with pytest.raises(AccountError, match="suspended"):
        authenticate(db.session, user.email, PASSWORD)
    # A wrong password says nothing about the ban.
    assert authenticate(db.session, user.email, "wrong password!") is None


# --- password reset ---------------------------------------------------------------------------

def test_reset_token_works_once(db):
    user = make_user()
    token = create_reset_token(user)
    assert user_for_reset_token(db.session, token) == user
    reset_password(db.session, token, "a brand new password")
    assert user.check_password("a brand new password")
    with pytest.raises(AccountError, match="already been used"):
        reset_password(db.session, token, "yet another password")
    assert user.check_password("a brand new password")


def test_reset_token_expires(db, monkeypatch):
    user = make_user()
    token = create_reset_token(user)
    later = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later(self) + 3601)
    with pytest.raises(AccountError, match="expired"):
        user_for_reset_token(db.session, token)


def test_reset_token_is_refused_when_tampered_or_from_another_key(app, db):
    user = make_user()
    token = create_reset_token(user)
    with pytest.raises(AccountError, match="not valid"):
        user_for_reset_token(db.session, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    app.config["SECRET_KEY"] = "another key"
    with pytest.raises(AccountError, match="not valid"):
        user_for_reset_token(db.session, token)


def test_reset_token_does_not_contain_the_password_hash(db):
    user = make_user()
    assert user.password_hash.split("$")[-1] not in create_reset_token(user)


def test_reset_lifts_a_lock(db):
    user = make_user(failed_logins=7, locked_until=utcnow() + dt.timedelta(minutes=30))
    reset_password(db.session, create_reset_token(user), "a brand new password")
    assert user.failed_logins == 0 and user.locked_until is None


def test_reset_refuses_a_short_password(db):
    user = make_user()
    with pytest.raises(AccountError, match="at least 10"):
        reset_password(db.session, create_reset_token(user), "short")
    assert user.check_password(PASSWORD)


def test_request_password_reset_mails_only_existing_accounts(db, monkeypatch):
    sent = []
    monkeypatch.setattr("reviewapp.auth.services.send_mail", lambda *args: sent.append(args))
    user = make_user(email="ada@example.org")
    assert request_password_reset(db.session, "nobody@example.org", lambda t: f"http://x/{t}") is False
    db.session.commit()  # the mail goes from the job queue (in-process in tests), after the commit
    assert sent == []
    assert request_password_reset(db.session, "ADA@example.org", lambda t: f"http://x/{t}") is True
    assert sent == []
    db.session.commit()
    (to, _subject, body), = sent
    assert to == "ada@example.org"
    token = body.split("http://x/")[1].split()[0]
    assert user_for_reset_token(db.session, token) == user


def test_changing_the_password_voids_reset_links(db):
    user = make_user()
    token = create_reset_token(user)
    change_password(db.session, user, PASSWORD, "a brand new password")
    with pytest.raises(AccountError, match="already been used"):
        user_for_reset_token(db.session, token)


def test_change_password_checks_the_current_one(db):
    user = make_user()
    with pytest.raises(AccountError) as info:
        change_password(db.session, user, "not my password", "a brand new password")
    assert info.value.field == "current_password"
    assert user.check_password(PASSWORD)


# --- profile ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("H", "H"), ("h04", "H04"), ("H04L", "H04L"), ("h04l9/32", "H04L 9/32"),
    ("H01M 10/613", "H01M 10/613"), (" H04L  0009 / 3247 ", "H04L 9/3247"), ("Y02E 60/10", "Y02E 60/10"),
])
def test_normalise_cpc(typed, stored):
    assert normalise_cpc(typed) == stored


@pytest.mark.parametrize("typed", ["Z01", "H4L", "H04LL", "H04L 9", "H04L/32", "network security", "H04L 9/3"])
def test_normalise_cpc_refuses_what_is_not_a_symbol(typed):
    with pytest.raises(AccountError, match="not a CPC symbol") as info:
        normalise_cpc(typed)
    assert info.value.field == "expertise"


def test_parse_expertise_drops_blanks_and_duplicates():
    assert parse_expertise("H04L, h04l ,, H01M 10/613,") == ["H04L", "H01M 10/613"]
    assert parse_expertise("  ") == []


def test_update_profile_stores_normalised_expertise(db):
    user = make_user()
    update_profile(db.session, user, display_name=" Ada L. ", affiliation=" Analytical Engines ",
                   expertise="h04l, H01M10/613", bio=" Retired examiner. ", mail_notifications=True)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.affiliation, user.bio) == ("Ada L.", "Analytical Engines", "Retired examiner.")
    assert user.expertise == ["H04L", "H01M 10/613"]


def test_update_profile_counts_a_browsers_line_ending_as_one_character(db):
    user = make_user()
    update_profile(db.session, user, display_name="Ada", affiliation="", expertise="",
                   bio="First line.\r\nSecond line.\r\n", mail_notifications=True)
    assert user.bio == "First line.\nSecond line."


def test_update_profile_turns_mail_off_and_back_on_from_now(db):
    user = make_user()
    joined = user.mail_notifications_since
    assert user.mails_notifications and joined is not None  # a new account gets mail
    update_profile(db.session, user, display_name="Ada", affiliation="", expertise="", bio="",
                   mail_notifications=True)
    assert user.mail_notifications_since == joined  # saving the profile again changes nothing
    update_profile(db.session, user, display_name="Ada", affiliation="", expertise="", bio="",
                   mail_notifications=False)
    assert not user.mails_notifications and user.mail_notifications_since is None
    update_profile(db.session, user, display_name="Ada", affiliation="", expertise="", bio="",
                   mail_notifications=True)
    assert user.mail_notifications_since > joined


def test_update_profile_with_a_bad_symbol_changes_nothing(db):
    user = make_user(name="Ada", expertise=["H04L"])
    with pytest.raises(AccountError):
        update_profile(db.session, user, display_name="Changed", affiliation="", expertise="H04L, nonsense", bio="",
                       mail_notifications=False)
    assert user.display_name == "Ada" and user.expertise == ["H04L"] and user.mails_notifications


# --- roles ------------------------------------------------------------------------------------

def test_set_role_from_the_command_line(db):
    user = make_user()
    set_role(db.session, user, "examiner", actor=None)
    assert user.role == "examiner" and user.is_examiner and not user.is_admin


def test_set_role_needs_an_admin_actor(db):
    examiner, user = make_user("examiner"), make_user()
    with pytest.raises(AccountError, match="Only administrators"):
        set_role(db.session, user, "examiner", actor=examiner)
    assert user.role == "volunteer"


def test_the_last_admin_cannot_be_demoted(db):
    admin = make_user("admin")
    with pytest.raises(AccountError, match="last administrator"):
        set_role(db.session, admin, "volunteer", actor=admin)
    with pytest.raises(AccountError, match="last administrator"):
        set_role(db.session, admin, "examiner", actor=None)
    assert admin.role == "admin"


def test_a_banned_admin_does_not_count_as_another_admin(db):
    admin = make_user("admin")
    make_user("admin", banned_at=utcnow())
    with pytest.raises(AccountError, match="last administrator"):
        set_role(db.session, admin, "volunteer", actor=admin)


def test_an_admin_may_step_down_when_another_remains(db):
    admin, other = make_user("admin"), make_user("admin")
    set_role(db.session, admin, "volunteer", actor=admin)
    assert admin.role == "volunteer" and other.role == "admin"


def test_two_admins_demoting_each_other_at_once_leave_one(app, db):
    """The second demotion waits for the first, then sees it and is refused (row locks on
    PostgreSQL, the database's write lock on SQLite)."""
    import threading

    from sqlalchemy.orm import Session

    first, second = make_user("admin"), make_user("admin")
    db.session.commit()
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        set_role(one, one.get(User, second.id), "volunteer", actor=None)  # holds the admin row locks

        def demote_the_other() -> None:
            with app.app_context():
                try:
                    set_role(two, two.get(User, first.id), "volunteer", actor=None)
                    two.commit()
                    outcome["result"] = "demoted"
                except AccountError as error:
                    two.rollback()
                    outcome["result"] = str(error)

        worker = threading.Thread(target=demote_the_other)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive(), "the second demotion should wait for the first transaction"
        one.commit()
        worker.join(timeout=10)
    assert "last administrator" in str(outcome.get("result"))
    db.session.expire_all()
    assert [db.session.get(User, first.id).role, db.session.get(User, second.id).role] == ["admin", "volunteer"]

