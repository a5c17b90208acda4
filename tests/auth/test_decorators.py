"""role_required: 403 for the wrong role, the login page for anonymous users."""
from __future__ import annotations

import pytest
from flask import Blueprint

from reviewapp.auth.decorators import has_role, role_required
from tests.factories import make_user


@pytest.fixture
def guarded(app):
    """Mount two guarded test views on the app."""
    bp = Blueprint("guarded", __name__)

    @bp.route("/t/examiner")
    @role_required("examiner")
    def examiner_only():
        return "examiner page"

    @bp.route("/t/admin-or-examiner")
    @role_required("admin", "examiner")
    def either():
        return "either page"

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize("role, status", [("volunteer", 403), ("examiner", 200), ("admin", 200)])
def test_role_required_by_role(guarded, client, auth, db, role, status):
    auth.login(make_user(role))
    db.session.commit()
    assert client.get("/t/examiner").status_code == status


def test_anonymous_users_are_sent_to_log_in(guarded, client):
    response = client.get("/t/examiner")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=%2Ft%2Fexaminer"


def test_several_roles_mean_any_of_them(guarded, client, auth, db):
    auth.login(make_user("examiner"))
    db.session.commit()
    assert client.get("/t/admin-or-examiner").get_data(as_text=True) == "either page"


def test_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        role_required("emperor")
    with pytest.raises(ValueError):
        role_required()


def test_has_role_is_a_ladder(db):
    admin, examiner, volunteer = make_user("admin"), make_user("examiner"), make_user()
    assert has_role(admin, "examiner") and has_role(admin, "volunteer")
    assert has_role(examiner, "examiner") and not has_role(examiner, "admin")
    assert has_role(volunteer, "volunteer") and not has_role(volunteer, "examiner")
