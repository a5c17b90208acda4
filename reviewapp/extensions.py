"""Flask extensions, created unbound; `create_app` binds them."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import SelectPagination
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CountSparingPagination(SelectPagination):
    """A page of a select that skips the count query when the page itself tells the total.

    A page with fewer items than fit on it is the last one, so the total is the items before
    it plus its own: on most application pages (few submissions, few comments) that saves a
    query per list.
    """

    @staticmethod
    def _prepare_page_args(*, page: int | None = None, per_page: int | None = None,
                           max_per_page: int | None = None, error_out: bool = True) -> tuple[int, int]:
        """Return the page (from the query string when not given) and its length, both bounded."""
        from .inputs import bound_page, bound_per_page, page_number

        # Out-of-range input never reaches the database: "bigint out of range" was a 500.
        page = page_number() if page is None and has_request_context() else bound_page(page)
        return page, bound_per_page(per_page, 20, max_per_page)

    def _query_count(self) -> int:
        # Pagination sets self.items before it asks for the count.
        if len(self.items) < self.per_page and (self.items or self.page == 1):
            return (self.page - 1) * self.per_page + len(self.items)
        return super()._query_count()


class Database(SQLAlchemy):
    """Flask-SQLAlchemy with count-sparing pagination."""

    if TYPE_CHECKING:
        # A scoped session proxies every method of the request's Session, and the services take
        # a Session: type it as one, so `service(db.session, ...)` checks.
        session: Session  # type: ignore[assignment]

    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True,
                 count=True) -> SelectPagination:
        """Return one page of a select (see ``CountSparingPagination``)."""
        return CountSparingPagination(select=select, session=_current_session(self), page=page,
                                      per_page=per_page, max_per_page=max_per_page,
                                      error_out=error_out, count=count)


def _current_session(database: SQLAlchemy) -> Session:
    """Return the Session the scoped session holds for this context."""
    scoped: Any = database.session
    return scoped()


db = Database(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # what type checkers can see of `db.Model`, a class made at run time
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
