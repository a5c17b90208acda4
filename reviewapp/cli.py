"""The `reviewapp` command: every administrative task, as a Flask CLI group."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

import click
from flask import Flask
from flask.cli import FlaskGroup


def make_app():
    """Build the app for the command line (FlaskGroup wants a zero-argument factory)."""
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=make_app, add_version_option=False, set_debug_flag=False)
def cli() -> None:
    """Administer the patent review site (import, demo data, index, ranker, users, ...)."""


def main() -> None:
    """Run the `reviewapp` console script."""
    cli(prog_name="reviewapp")


def register(app: Flask) -> None:
    """Attach the commands to `app.cli` (seen through `reviewapp` and `flask`)."""
    for command in (import_command, demo_command, user_group):
        app.cli.add_command(command)


@contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(n)` callable driving a progress bar on a terminal, or nothing."""
    if not enabled or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary object instead of text.")
def import_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Import USPTO full-text XML: files, directories or bulk .zip archives."""
    from flask import current_app

    from .extensions import db
    from .ingest import read_documents, total_bytes
    from .ingest.loader import import_records
    from .tasks import enqueue_index

    with progress_bar(total_bytes(paths), "Importing", enabled=not as_json) as advance:
        summary = import_records(
            db.session,
            read_documents(paths, progress=advance),
            batch_size=current_app.config["IMPORT_BATCH_SIZE"],
            on_batch=enqueue_index,
        )
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    click.echo(
        f"Imported {summary.applications} application(s) and {summary.grants} grant(s) "
        f"({summary.created} new, {summary.updated} updated, {summary.unchanged} unchanged); "
        f"skipped {summary.skipped}; {len(summary.errors)} error(s)."
    )
    for error in summary.errors:
        where = f"{error['file']} document {error['document']}"
        if error.get("line"):
            where += f" (line {error['line']})"
        click.echo(f"  error: {where}: {error['error']}", err=True)


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo's own rows first.")
def demo_command(reset: bool) -> None:
    """Load the demo data set and print the demo accounts."""
    from .demo import DEMO_ACCOUNTS, load_demo
    from .extensions import db
    from .tasks import enqueue_index

    created = load_demo(db.session, reset=reset)
    db.session.commit()
    enqueue_index(created.document_ids)
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
    """Create an account."""
    from .auth.services import AccountError, register_user
    from .extensions import db

    try:
        user = register_user(db.session, email=email, display_name=name or email.split("@")[0],
                             password=password, role=role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@user_group.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["volunteer", "examiner", "admin"]))
def user_role(email: str, role: str) -> None:
    """Give an account another role."""
    from .auth.services import AccountError, find_user, set_role
    from .extensions import db

    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    try:
        set_role(db.session, user, role, actor=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")
