"""Application services: the browse query builder, countdowns, watches, windows."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from reviewapp.applications.services import (
    CLOSING,
    EXPERTISE,
    NEEDS_REVIEWERS,
    WindowError,
    active_submission_counts,
    applications_query,
    browse_query,
    claim_tree,
    close_window,
    countdown,
    has_expertise,
    is_watching,
    open_window,
    unwatch_application,
    watch_application,
)
from reviewapp.models import Application, Claim, Classification, Tag, Watch, application_tags
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission, make_user


def numbers(db, stmt) -> list[str]:
    return [a.number for a in db.session.scalars(stmt).unique()]


def tag(db, application, name: str) -> None:
    tag_id = db.session.scalar(select(Tag.id).where(Tag.name == name))
    if tag_id is None:
        tag_row = Tag(name=name)
        db.session.add(tag_row)
        db.session.flush()
        tag_id = tag_row.id
    db.session.execute(insert(application_tags).values(application_id=application.id, tag_id=tag_id))


def test_status_filter_and_default_order(db):
    late = make_application(days_left=50)
    soon = make_application(days_left=5)
    closed = make_application(status="closed")
    pending = make_application(status="pending")
    assert numbers(db, applications_query(status="open")) == [soon.number, late.number]
    assert numbers(db, applications_query(status="closed")) == [closed.number]
    assert set(numbers(db, applications_query())) == {late.number, soon.number, closed.number, pending.number}


def test_the_status_filter_is_the_window_in_force(db):
    current = make_application(days_left=3)
    expired = make_application(days_left=-1)  # status still "open": the closing job has not run yet
    assert numbers(db, applications_query(status="open")) == [current.number]
    assert numbers(db, applications_query(status="closed")) == [expired.number]
    assert numbers(db, applications_query(status="pending")) == []
    assert (current.window_status(), expired.window_status()) == ("open", "closed")


@pytest.mark.parametrize("prefix, expected", [
    ("H", {"a", "b", "c"}), ("H04", {"a", "b"}), ("H04L", {"a", "b"}), ("H04L 9/", {"a"}),
    ("H04L 9", {"a"}), ("h04l9/32", {"a"}), ("H04L 93/", {"b"}), ("H01M", {"c"}), ("G06F", set()),
])
def test_cpc_prefix_filter_at_any_level(db, prefix, expected):
    apps = {
        "a": make_application(cpc=["H04L 9/3247"]),
        "b": make_application(cpc=["G06Q 20/00", "H04L 93/00"]),
        "c": make_application(cpc=["H01M 10/613"]),
    }
    found = set(numbers(db, applications_query(cpc=prefix)))
    assert found == {apps[k].number for k in expected}


def test_cpc_filter_ignores_other_schemes_and_escapes_wildcards(db):
    application = make_application(cpc=[])
    application.document.classifications.append(Classification(scheme="ipc", symbol="H04L 9/32", position=0))
    db.session.flush()
    assert numbers(db, applications_query(cpc="H04L")) == []
    assert numbers(db, applications_query(cpc="%")) == []  # matched literally, not as a wildcard


def test_tag_filter(db):
    tagged = make_application()
    other = make_application()
    tag(db, tagged, "batteries")
    tag(db, other, "cooling")
    assert numbers(db, applications_query(tag="batteries")) == [tagged.number]
    assert numbers(db, applications_query(tag=" Batteries ")) == [tagged.number]
    assert numbers(db, applications_query(tag="unknown")) == []


def test_closing_soon_is_open_within_14_days_soonest_first(db):
    in_10 = make_application(days_left=10)
    in_2 = make_application(days_left=2)
    make_application(days_left=20)
    make_application(days_left=-1)
    make_application(status="closed", days_left=3)
    assert numbers(db, browse_query(CLOSING)) == [in_2.number, in_10.number]


def test_needs_reviewers_puts_fewest_active_submissions_first(db):
    busy, quiet, middle = make_application(days_left=5), make_application(days_left=50), make_application()
    user = make_user()
    for _ in range(3):
        make_submission(busy, user)
    make_submission(middle, user)
    make_submission(quiet, user, status="withdrawn")  # withdrawn ones do not count
    make_application(status="closed")
    assert numbers(db, browse_query(NEEDS_REVIEWERS)) == [quiet.number, middle.number, busy.number]
    assert active_submission_counts(db.session, [busy.id, quiet.id, middle.id]) == {busy.id: 3, middle.id: 1}


def test_expertise_matches_shared_cpc_prefixes(db):
    crypto = make_application(cpc=["H04L 9/3247"])
    network = make_application(cpc=["H04L 12/40"])
    battery = make_application(cpc=["H01M 10/613"])
    make_application(status="closed", cpc=["H04L 9/32"])
    volunteer = make_user(expertise=["H04L 9/0861", "H01M"])
    assert set(numbers(db, browse_query(EXPERTISE, user=volunteer))) == {crypto.number, battery.number}
    assert network.number not in numbers(db, browse_query(EXPERTISE, user=volunteer))
    assert has_expertise(volunteer)


def test_expertise_without_classes_matches_nothing(db):
    make_application(cpc=["H04L 9/32"])
    novice = make_user(expertise=["cryptography"])
    assert numbers(db, browse_query(EXPERTISE, user=novice)) == []
    assert not has_expertise(novice) and not has_expertise(None)


def test_browse_combines_view_with_class_and_tag(db):
    wanted = make_application(days_left=3, cpc=["H04L 9/32"])
    tag(db, wanted, "crypto")
    untagged = make_application(days_left=3, cpc=["H04L 9/32"])
    assert numbers(db, browse_query(CLOSING, cpc="H04L", tag="crypto")) == [wanted.number]
    assert set(numbers(db, browse_query(cpc="H04L 9/"))) == {wanted.number, untagged.number}


def test_countdown_in_days_and_hours():
    now = utcnow()
    application = Application(status="open", opens_at=now - dt.timedelta(days=1),
                              closes_at=now + dt.timedelta(days=3, hours=5, minutes=7))
    left = countdown(application, now)
    assert (left.days, left.hours, left.minutes) == (3, 5, 7)
    assert left.label == "3 days, 5 h left"
    application.closes_at = now + dt.timedelta(hours=2, minutes=30)
    assert countdown(application, now).label == "2 h 30 min left"
    application.status = "closed"
    assert countdown(application, now) is None


def test_watch_and_unwatch_are_idempotent(db):
    application, user = make_application(), make_user()
    first = watch_application(db.session, application, user)
    assert watch_application(db.session, application, user).id == first.id
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 1
    assert is_watching(db.session, application, user)
    assert unwatch_application(db.session, application, user) is True
    assert unwatch_application(db.session, application, user) is False
    assert not is_watching(db.session, application, user)


def test_concurrent_watch_keeps_one_row(db, monkeypatch):
    application, user = make_application(), make_user()
    db.session.add(Watch(user_id=user.id, application_id=application.id))
    db.session.flush()
    # The lookup misses the row the other request inserted; the constraint and savepoint cope.
    real_scalar = db.session.scalar
    calls = []

    def scalar_missing_first(stmt, *args, **kwargs):
        calls.append(stmt)
        return None if len(calls) == 1 else real_scalar(stmt, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", scalar_missing_first)
    watch = watch_application(db.session, application, user)
    monkeypatch.undo()
    assert watch.user_id == user.id
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 1


def test_claim_tree_nests_dependants():
    claims = [Claim(number=1, depends_on=[]), Claim(number=2, depends_on=[1]),
              Claim(number=3, depends_on=[2]), Claim(number=4, depends_on=[])]
    tree = claim_tree(claims)
    assert [n.claim.number for n in tree] == [1, 4]
    assert tree[0].children[0].claim.number == 2 and tree[0].children[0].children[0].claim.number == 3


def test_open_and_close_window(db):
    application = make_application(status="pending")
    with pytest.raises(WindowError):
        open_window(db.session, application, 0)
    open_window(db.session, application, 90)
    assert application.is_open()
    close_window(db.session, application)
    assert application.status == "closed"
    with pytest.raises(WindowError):
        close_window(db.session, application)


def test_open_window_refuses_a_window_open_now_and_changes_nothing(db):
    application = make_application(days_left=60)
    opens, closes = application.opens_at, application.closes_at
    with pytest.raises(WindowError, match=f"already open \\(it closes on {closes:%Y-%m-%d %H:%M} UTC\\): close it"):
        open_window(db.session, application, 1)
    assert (application.status, application.opens_at, application.closes_at) == ("open", opens, closes)


def test_open_window_refuses_a_window_past_its_end_that_is_not_closed_yet(db):
    # Its report must be frozen first: the admin's reopening closes it before it opens it.
    application = make_application(days_left=-2)
    closes = application.closes_at
    with pytest.raises(WindowError, match="ended but is not closed yet"):
        open_window(db.session, application, 10)
    assert application.closes_at == closes
    close_window(db.session, application)
    open_window(db.session, application, 10)
    assert application.is_open()
