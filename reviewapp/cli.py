"""The `reviewapp` command: every administrative task, as a Flask CLI group."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from .config import ConfigError
from .progress import progress_bar

if TYPE_CHECKING:
    from .ingest.loader import ImportSummary


def make_app():
    """Build the app for the command line (FlaskGroup wants a zero-argument factory)."""
    from .factory import create_app

    return create_app()


class ReviewappGroup(FlaskGroup):
    """Flask's command group, telling a setting the site cannot run with in one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the commands; without a usable configuration, say why the app's are missing."""
        try:
            ctx.ensure_object(ScriptInfo).load_app()  # kept: FlaskGroup lists from the same app
        except ConfigError as error:
            click.secho(f"Error: {error}\n(The site's own commands are listed once this is "
                        "fixed.)\n", err=True, fg="red")
            self._load_plugin_commands()
            return sorted(self.commands)
        return super().list_commands(ctx)


@click.group(cls=ReviewappGroup, create_app=make_app, add_version_option=False,
             set_debug_flag=False)
def cli() -> None:
    """Administer the patent review site (import, demo data, index, ranker, users, ...)."""


def main() -> None:
    """Run the `reviewapp` console script; a bad setting is one line and exit status 2."""
    try:
        cli(prog_name="reviewapp")
    except ConfigError as error:
        click.secho(f"Error: {error}", err=True, fg="red")
        raise SystemExit(2) from None


def register(app: Flask) -> None:
    """Attach the commands to `app.cli` (seen through `reviewapp` and `flask`)."""
    for command in (import_command, demo_command, user_group, index_group, search_command,
                    worker_command, jobs_group, backup_command, restore_command, windows_group):
        app.cli.add_command(command)


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary object instead of text.")
def import_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Import USPTO full-text XML: files, directories or bulk .zip archives.

    Every document imported is searchable when the command returns (no worker needed). Exit
    status 1 when a file could not be read or held no document, or nothing could be imported.
    """
    from .extensions import db
    from .imports.services import import_paths
    from .ingest import total_bytes

    with progress_bar(total_bytes(paths), "Importing", enabled=not as_json) as advance:
        summary = import_paths(db.session, list(paths), progress=lambda n, _summary: advance(n))
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        click.echo(summary.headline())
        for error in summary.errors:
            where = f"{error['file']} document {error['document']}"
            if error.get("line"):
                where += f" (line {error['line']})"
            click.echo(f"  error: {where}: {error['error']}", err=True)
    failure = import_failure(summary)
    if failure:
        click.echo(failure, err=True)
        raise SystemExit(1)


def import_failure(summary: ImportSummary) -> str:
    """Return why an import's exit status is 1, or "" when every file was read.

    A document refused on its own (malformed, refused by the database) is listed but is no
    failure: a weekly file usually has one or two. A file that could not be read, or held no
    document (document 0 of its errors), or an import that read no document at all, is.
    """
    unread = sorted({error["file"] for error in summary.errors if error["document"] == 0})
    if unread:
        return f"{len(unread)} file(s) could not be read or held no document: see the errors above."
    if not summary.documents and not summary.skipped:
        return ("Nothing was imported: no document could be read"
                + (" (see the errors above)." if summary.errors else
                   " (no .xml or .zip file under the paths given)."))
    return ""


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo's own rows first.")
def demo_command(reset: bool) -> None:
    """Load the demo data set and print the demo accounts."""
    from .demo import DEMO_ACCOUNTS, load_demo
    from .extensions import db
    from .ranking.scores import enqueue_rescore, open_application_ids
    from .tasks import enqueue_index

    created = load_demo(db.session, reset=reset)
    db.session.commit()
    enqueue_index(created.document_ids)
    # After the index job: each rescoring job also finds the application's machine leads.
    for application_id in open_application_ids(db.session):
        enqueue_rescore(application_id)
    click.echo(
        f"Demo data: {created.applications} applications, {created.library} library documents, "
        f"{created.submissions} submissions."
    )
    click.echo("Demo accounts (email / password / role):")
    for email, password, role, _name in DEMO_ACCOUNTS:
        click.echo(f"  {email} / {password} / {role}")


@click.group("user")
def user_group() -> None:
    """Manage accounts and roles."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (a pseudonym is fine).")
@click.option("--role", type=click.Choice(["volunteer", "examiner", "admin"]), default="volunteer")
@click.password_option(help="The password (asked for when not given).")
def user_create(email: str, name: str, role: str, password: str) -> None:
    """Create an account (audit-logged, by "the command line")."""
    from .audit import record_action
    from .auth.services import AccountError, register_user
    from .extensions import db

    try:
        user = register_user(db.session, email=email, display_name=name or email.split("@")[0],
                             password=password, role=role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    record_action(db.session, None, "create-account", "user", user.id, role=role)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@user_group.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["volunteer", "examiner", "admin"]))
def user_role(email: str, role: str) -> None:
    """Give an account another role (audit-logged, by "the command line")."""
    from .admin.services import change_role
    from .auth.services import AccountError, find_user
    from .extensions import db

    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    try:
        change_role(db.session, None, user, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")


@click.group("index")
def index_group() -> None:
    """Maintain the search index (a rebuildable view of the database)."""


@index_group.command("rebuild")
def index_rebuild() -> None:
    """Rebuild the whole search index from the database."""
    from sqlalchemy import func, select

    from .extensions import db
    from .indexing import rebuild_index
    from .models import Document

    total = db.session.scalar(select(func.count()).select_from(Document)) or 0
    with progress_bar(total, "Indexing", enabled=True) as advance:
        count = rebuild_index(progress=advance)
    click.echo(f"Indexed {count} document(s).")


@index_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--repair", is_flag=True, help="Then re-index the missing and stale documents and remove the extra ones.")
def index_check(as_json: bool, repair: bool) -> None:
    """Report documents missing from or stale in the index; exit 1 when any are, 2 when it is unreadable."""
    from .indexing import check_index, repair_index

    report = _readable_index(check_index, as_json)
    data = {"missing": sorted(report.missing), "stale": sorted(report.stale), "extra": sorted(report.extra)}
    if repair and not report.ok:
        _readable_index(lambda: repair_index(report), as_json)
        data["repaired"] = _readable_index(check_index, as_json).ok
    if as_json:
        click.echo(json.dumps(data))
    else:
        click.echo(f"{len(data['missing'])} missing, {len(data['stale'])} stale, {len(data['extra'])} extra.")
        for kind in ("missing", "stale", "extra"):
            for number in data[kind][:50]:
                click.echo(f"  {kind}: {number}")
        if "repaired" in data:
            click.echo("Repaired: the index matches the database." if data["repaired"] else
                       "Still out of sync after the repair (the site changed meanwhile?): run it again.")
    if any(data[kind] for kind in ("missing", "stale", "extra")) and not data.get("repaired"):
        raise SystemExit(1)


@index_group.command("repair")
@click.pass_context
def index_repair(ctx: click.Context) -> None:
    """Re-index the missing and stale documents and remove the extra ones (check --repair)."""
    ctx.invoke(index_check, as_json=False, repair=True)


def _readable_index(read, as_json: bool):
    """Return `read()`; exit 2 with the reason when the index is unreadable."""
    from .indexing import index_dir
    from .searchpage.services import is_index_damage

    try:
        return read()
    except Exception as error:
        if not is_index_damage(error):
            raise
        message = (f"The search index at {index_dir()} is unreadable ({type(error).__name__}: {error}); "
                   "rebuild it with `reviewapp index rebuild`.")
        click.echo(json.dumps({"error": message}) if as_json else message, err=not as_json)
        raise SystemExit(2) from None


@click.command("search")
@click.argument("query")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only documents published before this date.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit per line.")
def search_command(query: str, before, limit: int, as_json: bool) -> None:
    """Search applications and the prior-art library."""
    import search

    from .indexing import index_dir, library_index

    try:
        if not library_index().exists():
            raise search.IndexMissingError(index_dir())
        results = library_index().query(query, before=before.date() if before else None,
                                        pagelen=limit, facets=False)
    except search.IndexMissingError:  # as the site's 503: never an empty answer
        click.echo(f"Error: no search index at {index_dir()}: build it with "
                   "`reviewapp index rebuild`.", err=True)
        raise SystemExit(2) from None
    except search.QuerySyntaxError as error:
        raise click.ClickException(str(error)) from error
    for hit in results.hits:
        if as_json:
            click.echo(json.dumps({"number": hit.id, "title": hit.title, "score": round(hit.score, 4)}))
        else:
            click.echo(f"{hit.id:<20} {hit.score:8.3f}  {hit.title}")
    if not as_json:
        click.echo(f"{results.total} hit(s).")


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Threads; keep 1: Whoosh has one writer.")
def worker_command(workers: int) -> None:
    """Run the job queue consumer and the outbox's poll: the one writer of the search index."""
    import threading

    from flask import current_app

    from .tasks import poll_outbox

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = app.extensions["huey"]
    stop = threading.Event()
    poller = threading.Thread(target=poll_outbox, args=(app, stop), name="outbox-poll", daemon=True)
    click.echo(f"Queue worker for {huey.name} ({type(huey).__name__}), {workers} thread(s); "
               f"polling the job outbox every {app.config.get('JOB_POLL_SECONDS', 5)} s.")
    poller.start()
    try:
        huey.create_consumer(workers=workers, worker_type="thread").run()
    finally:
        stop.set()
        poller.join(timeout=float(app.config.get("WORKER_STOP_SECONDS", 30)))


@click.group("jobs")
def jobs_group() -> None:
    """The job outbox: index, rescoring and mail jobs waiting to run."""


@jobs_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def jobs_status(as_json: bool) -> None:
    """Show the jobs waiting, by kind, and those that failed with their last error; exit 1 if any failed."""
    from .extensions import db
    from .outbox import failing_jobs, outbox_status

    kinds = outbox_status(db.session)
    failing = failing_jobs(db.session)
    if as_json:
        click.echo(json.dumps({
            "kinds": [{"kind": k.kind, "pending": k.pending, "failing": k.failing,
                       "oldest": k.oldest.isoformat() if k.oldest else None, "last_error": k.last_error}
                      for k in kinds],
            "failing": [{"id": j.id, "kind": j.kind, "args": j.args, "attempts": j.attempts,
                         "next_try": j.run_after.isoformat(), "last_error": j.last_error} for j in failing]}))
    else:
        if not kinds:
            click.echo("No jobs waiting.")
        for k in kinds:
            click.echo(f"{k.kind}: {k.pending} waiting, {k.failing} failed at least once"
                       + (f", oldest from {k.oldest:%Y-%m-%d %H:%M:%S}" if k.oldest else ""))
        for job in failing:
            click.echo(f"  job {job.id} {job.kind}{tuple(job.args)}: {job.attempts} attempt(s), "
                       f"next at {job.run_after:%H:%M:%S}: {job.last_error}")
    if failing:
        raise SystemExit(1)


@jobs_group.command("drain")
def jobs_drain() -> None:
    """Run the due jobs now, in this process (without a worker, e.g. under `make run`)."""
    from .outbox import drain

    report = drain()
    click.echo(f"{report.done} job(s) done, {report.failed} failed (retried later).")
    for error in report.errors[:20]:
        click.echo(f"  error: {error}", err=True)
    if report.failed:
        raise SystemExit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Dump the database to PATH (gzip JSON lines; see reviewapp/backup.py).

    PATH is replaced only once the dump is complete: a failed backup leaves the previous one.
    """
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from .backup import dump_database
    from .extensions import db

    kept = "a previous backup there is left as it was"
    if not Path(path).parent.is_dir():
        raise click.ClickException(f"Cannot write {path}: the folder {Path(path).parent} does not exist.")
    try:
        with db.engine.connect() as connection:
            counts = dump_database(connection, db.metadata, Path(path))
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror or error}; {kept}.") from error
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise click.ClickException(f"Cannot read the database ({reason}); {kept}.") from error
    click.echo(f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Load a backup into an empty, migrated database, then rebuild the index."""
    from pathlib import Path

    from .backup import BackupError, restore_database
    from .extensions import db
    from .indexing import rebuild_index

    try:
        with db.engine.begin() as connection:
            counts = restore_database(connection, db.metadata, Path(path))
    except BackupError as error:
        raise click.ClickException(f"{str(error).rstrip('.')}. Nothing was restored: the database "
                                   "is as it was.") from error
    except OSError as error:  # the file became unreadable (a disk error, removed meanwhile)
        raise click.ClickException(f"Cannot read {path}: {error.strerror or error}. Nothing was "
                                   "restored: the database is as it was.") from error
    click.echo(f"Restored {sum(counts.values())} rows. Rebuilding the search index...")
    click.echo(f"Indexed {rebuild_index()} document(s). Retrain the ranker with `reviewapp ranker train`.")


@click.group("windows")
def windows_group() -> None:
    """Review windows: close those that are due and notify watchers."""


@windows_group.command("close-due")
def windows_close_due() -> None:
    """Close every window past its closing time and freeze its forwarded report."""
    from .examiner.forwarding import close_due_windows
    from .extensions import db

    due = close_due_windows(db.session)
    closed = [application.number for application in due.closed]
    failed = [f"{application.number} ({why})" for application, why in due.failed]
    db.session.commit()
    click.echo(f"Closed {len(closed)} window(s)" + (": " + ", ".join(closed) if closed else "."))
    if failed:
        click.echo(f"Could not close {len(failed)} (they stay open; tried again next run, "
                   f"see the log): {', '.join(failed)}", err=True)
        raise SystemExit(1)


@windows_group.command("notify")
def windows_notify() -> None:
    """Tell watchers of windows closing within 7 days (once each), then send pending mail."""
    from .community.notifications import mail_pending_notifications, notify_closing_windows
    from .extensions import db

    created = notify_closing_windows(db.session)
    db.session.commit()
    mailed = failed = 0
    after: int | None = 0
    while after is not None:
        batch = mail_pending_notifications(db.session, after_id=after)
        db.session.commit()  # marked before the next batch goes out: a crash re-mails one batch
        mailed, failed, after = mailed + batch.sent, failed + batch.failed, batch.after_id
    retry = f"; {failed} not sent (tried again next run, see the log)" if failed else ""
    click.echo(f"{created} closing-soon notification(s); {mailed} mail(s) sent{retry}.")
