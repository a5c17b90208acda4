"""`reviewapp ranker`: bootstrap from USPTO grants, train, evaluate, show what serves.

The factory registers `ranker_group` (reviewapp.register_commands). A saved model that fails verification
is refused loudly here (exit status 1); pages fall back to the heuristic and log it.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from scoring import ModelIntegrityError

from ..progress import progress_bar
from . import bootstrap, candidates, model_store, scores, status, training

RESCORE_BATCH = 50  # applications per query batch and commit

@click.group("ranker")
def ranker_group() -> None:
    """Train, evaluate and inspect the prior-art ranker."""


@ranker_group.command("bootstrap")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--if-missing", is_flag=True,
              help="Do nothing when a trained model serves already; without grant XML, "
                   "only print a note (for `make run`).")
@click.option("--enqueue", is_flag=True,
              help="Queue the rescoring of open applications for the worker instead of "
                   "rescoring them here.")
def bootstrap_command(paths: tuple[str, ...], if_missing: bool, enqueue: bool) -> None:
    """Save examples from USPTO grant citations (replacing earlier ones), then train and serve."""
    from ..extensions import db

    served = model_store.served_model()
    if if_missing and not served.heuristic:
        click.echo(f"A trained model serves already ({served.version}): nothing to do.")
        return
    if served.error:
        click.echo(f"Warning: {served.error}. Bootstrapping a new model.", err=True)
    present = [p for p in paths if Path(p).exists()]
    missing = [p for p in paths if not Path(p).exists()]
    if missing and not if_missing:
        raise click.ClickException(f"not found: {', '.join(missing)}")
    for path in missing:
        click.echo(f"Note: {path} not found; skipped.", err=True)
    if not present:
        reason = "no USPTO grant XML given" if not paths else "none of the paths exist"
        if not if_missing:
            raise click.ClickException(f"{reason}: give grant XML files, directories or zips.")
        click.echo(f"Note: {reason}, so no model was bootstrapped. The heuristic ranker serves "
                   "until `reviewapp ranker bootstrap PATH...` (USPTO grant XML) or "
                   "`reviewapp ranker train` (examiner verdicts) makes one.")
        return
    grants = _read_grants(present, show_progress=True)
    if not grants:
        message = f"no grants found in {', '.join(present)}"
        if if_missing:
            click.echo(f"Note: {message}; no model was bootstrapped.")
            return
        raise click.ClickException(message)
    from scoring import examples_from_grants

    signals = _library_signals(db.session, grants)
    pairs, y, groups = examples_from_grants(grants, **signals)
    joined = sum(bool(c.text) for _, c in pairs if c.kind != "npl")
    header = bootstrap.save_bootstrap_examples(pairs, y, groups, bootstrap.source_files(present))
    click.echo(f"Joined {joined} of {sum(c.kind != 'npl' for _, c in pairs)} cited patents to "
               "the library (their text, classes and citations feed the content features).")
    click.echo(f"Saved {header['pairs']} labelled references of {header['grants']} grants "
               f"({header['positives']} cited by the examiner) to "
               f"{model_store.model_dir() / bootstrap.EXAMPLES_FILE} (sha256 {header['sha256'][:12]}).")
    _train_and_rescore(db.session, enqueue)


@ranker_group.command("train")
@click.option("--enqueue", is_flag=True,
              help="Queue the rescoring of open applications for the worker instead of "
                   "rescoring them here.")
def train_command(enqueue: bool) -> None:
    """Train on examiner verdicts and the saved grant examples; serve the new model."""
    from ..extensions import db

    _train_and_rescore(db.session, enqueue)


@ranker_group.command("evaluate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Rank each grant's references with the serving model; report MAP, NDCG@10, P@10."""
    from scoring.evaluate import evaluate, format_report

    from ..extensions import db

    served = _strict_served()
    grants = _read_grants(paths, show_progress=not as_json)
    trained = bootstrap.in_sample_grants(grants, served.metadata)
    if trained:
        grants = [g for g in grants if g.publication_number not in trained]
        click.echo(f"Warning: the model was trained on {len(trained)} of these grants: left out "
                   "(their figures would be in-sample). The cross-validated figures are in "
                   "`reviewapp ranker status`.", err=True)
        if not grants:
            raise click.ClickException("the model was trained on every grant given: nothing "
                                       "held out to evaluate on.")
    report = evaluate(served.ranker, grants, **_library_signals(db.session, grants))
    # A model saved before its metadata listed its training grants: compare the files.
    overlap = bootstrap.in_sample_files(paths, served.metadata) if trained is None else []
    if overlap:
        more = f" and {len(overlap) - 3} more" if len(overlap) > 3 else ""
        named = ", ".join(overlap[:3]) + more
        click.echo(f"Warning: the model was trained on the grants of {named}: these figures are "
                   "in-sample. The cross-validated ones are in `reviewapp ranker status`.",
                   err=True)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"Model: {served.version}; {len(grants)} grants read, {report['queries']} with "
               "both examiner and other citations. 95% intervals from resampling grants.")
    click.echo(format_report(report))


@ranker_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_command(as_json: bool) -> None:
    """Show which ranker serves, its training data and metrics; exit 1 if a model is refused."""
    from ..extensions import db

    current = status.ranker_status(db.session)
    if as_json:
        click.echo(json.dumps(current.as_json(), default=str))
    else:
        _print_status(current)
    if current.error:
        raise SystemExit(1)


# --- helpers --------------------------------------------------------------------------------

def _library_signals(session, grants: list) -> dict:
    """Return the library, citation network and content scorer the bootstrap joins to."""
    from .library import grant_content_scorer, library_for, library_network

    library = library_for(session, (r for g in grants for r in g.references))
    return {"library": library, "network": library_network(session, grants),
            "content": grant_content_scorer(session, library)}


def _strict_served() -> model_store.ServedModel:
    try:
        return model_store.served_model(strict=True)
    except ModelIntegrityError as error:
        raise click.ClickException(f"the saved model is refused: {error}") from error


def _read_grants(paths, show_progress: bool) -> list:
    from ..ingest import total_bytes

    with progress_bar(total_bytes(paths), "Reading grants", enabled=show_progress) as advance:
        grants, errors = bootstrap.grants_from(paths, progress=advance)
    for error in errors[:20]:
        click.echo(f"  skipped: {error.file} document {error.document}: {error.error}", err=True)
    if len(errors) > 20:
        click.echo(f"  ... and {len(errors) - 20} more unreadable documents", err=True)
    return grants


def _train_and_rescore(session, enqueue: bool) -> None:
    try:
        summary = training.train_model(session, enqueue_rescoring=enqueue)
    except (training.TrainingError, ModelIntegrityError) as error:
        raise click.ClickException(str(error)) from error
    data = summary["training_data"]
    click.echo(f"Trained {summary['version']} on {data['pairs']} examples of {data['queries']} "
               f"applications or grants ({data['positives']} positive).")
    click.echo(f"  {data['description']}")
    _print_cv(summary["cv_metrics"], summary["cv_note"])
    ids = summary["open_applications"]
    if enqueue:
        click.echo(f"Queued the rescoring of {len(ids)} open application(s).")
        return
    with progress_bar(len(ids), "Rescoring", enabled=True) as advance:
        for start in range(0, len(ids), RESCORE_BATCH):
            batch = ids[start:start + RESCORE_BATCH]
            scores.rescore_applications(session, batch)
            for application_id in batch:
                candidates.store_machine_leads(session, application_id)
            session.commit()
            advance(len(batch))
    click.echo(f"Rescored {len(ids)} open application(s).")


def _print_cv(cv: dict | None, note: str | None) -> None:
    if cv:
        click.echo(f"  cross-validated ({cv['n_splits']} folds, grouped by application or grant): "
                   f"MAP {cv['map']:.3f}, NDCG@10 {cv['ndcg@10']:.3f}, P@10 {cv['p@10']:.3f}")
    elif note:
        click.echo(f"  {note}")


def _print_status(current: status.RankerStatus) -> None:
    if current.error:
        click.echo(f"Serving: the heuristic. The saved model is REFUSED: {current.error}")
    elif current.heuristic:
        click.echo("Serving: the heuristic (no trained model yet).")
    else:
        meta = current.metadata
        data = meta.get("training_data") or {}
        click.echo(f"Serving: {current.version} ({meta.get('model')}), trained "
                   f"{meta.get('trained_at')}, scikit-learn {meta.get('sklearn_version')}")
        click.echo(f"  file: {current.path}")
        click.echo(f"  training data: {data.get('description')}")
        click.echo(f"  {data.get('pairs')} examples, {data.get('queries')} groups, "
                   f"{data.get('positives')} positive; sha256 {data.get('sha256')}")
        _print_cv(meta.get("cv_metrics"), meta.get("cv_note"))
    if current.bootstrap:
        b = current.bootstrap
        click.echo(f"Saved grant examples: {b['pairs']} references of {b['grants']} grants, "
                   f"saved {b['created_at']} (sha256 {b['sha256'][:12]})")
    if current.bootstrap_error:
        click.echo(f"Saved grant examples REFUSED: {current.bootstrap_error}")
    if current.training:
        t = current.training
        click.echo(f"Last training run: {t.get('state')} (started {t.get('started_at')})"
                   + (f": {t['message']}" if t.get("message") else ""))
    for version, count in current.scores.items():
        click.echo(f"Stored scores by {version}: {count}")
    if current.calibration:
        click.echo(f"Calibration of {current.version} against examiner verdicts, "
                   f"{current.calibration_note}:")
        for band in current.calibration:
            click.echo(f"  items scored {band['low']:.3f} to {band['high']:.3f} were used in "
                       f"{band['used_share']:.0%} of cases ({band['used']} of {band['judged']})")
    elif not current.error:
        click.echo(f"Calibration: {current.calibration_note}")
    for note in current.notes:
        click.echo(f"Note: {note}")
