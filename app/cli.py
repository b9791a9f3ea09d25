"""Command-line tasks: `flask deploy`, `flask seed-demo`, `flask run-due`, `flask scheduler`."""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import backup, demo, logs, people_cli
from app.engine.parsing import BpmnProblems
from app.extensions import db
from app.scheduler import run_forever
from app.services.deployment import START_DEPLOY, deploy_directory, forms_kept_from_browser
from app.services.model_export import export_models
from app.services.timers import run_due


@click.command("deploy")
@with_appcontext
def deploy_command() -> None:
    """Deploy every changed diagram under processes/ as a new version, except over a version
    a person deployed in the browser (said, with how to export it)."""
    # The app deploys processes/ when it starts (PANELFLOW_DEPLOY_ON_START), which it did
    # just before this command ran: say what that did rather than "current" for it.
    on_start = {r.key: r for r in current_app.extensions.get(START_DEPLOY, []) if r.created}
    try:
        results = deploy_directory(Path(current_app.config["PROCESSES_DIR"]))
    except BpmnProblems as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"error: {problem.message} (element {problem.element_id}, "
                       f"line {problem.line})", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    for result in results:
        started = on_start.get(result.key)
        if started is not None and not result.created and started.version == result.version:
            click.echo(started.describe(" as the app started"))
        else:
            click.echo(result.describe())
    for form in forms_kept_from_browser(Path(current_app.config["FORMS_DIR"])):
        click.echo(form.describe())


@click.command("export-models")
@click.option("--processes", "processes_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write diagrams to (default: the app's processes/)")
@click.option("--forms", "forms_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write forms to (default: the app's forms/)")
@with_appcontext
def export_models_command(processes_dir: Path | None, forms_dir: Path | None) -> None:
    """Write the newest diagrams and forms edited in the browser back to their folders."""
    results = export_models(processes_dir or Path(current_app.config["PROCESSES_DIR"]),
                            forms_dir or Path(current_app.config["FORMS_DIR"]))
    for target, changed in results:
        click.echo(f"{target}: {'written' if changed else 'unchanged'}")
    click.echo(f"{sum(changed for _, changed in results)} file(s) written")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo users and, on a database with no cases, a few demo cases (never in
    production)."""
    if current_app.config["PANELFLOW_ENV"] == "production":
        raise click.ClickException("Demo data is never loaded in production")
    created = demo.seed(Path(current_app.config["PROCESSES_DIR"]),
                        current_app.config["DEMO_PASSWORD"])
    db.session.commit()
    click.echo(f"demo users created: {', '.join(created) or 'none (already there)'}")
    cases = demo.seed_cases()
    db.session.commit()
    click.echo(f"demo cases begun: {len(cases)}")


def _parse_time(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2027-01-31T09:00:00+00:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("include a UTC offset, e.g. +00:00")
    return moment


@click.command("run-due")
@with_appcontext
@click.option("--as-of", callback=_parse_time, help="Act as if it were this time (ISO 8601).")
def run_due_command(as_of: datetime | None) -> None:
    """Fire every timer that is due now (or at --as-of) and print what fired."""
    with logs.job("run-due") as outcome:
        fired = run_due(as_of)
        outcome.update(fired=len(fired), failed=sum("error" in item for item in fired))
    for item in fired:
        outcome = item.get("error") or item.get("status")
        click.echo(f"fired timer due {item['due_at'].isoformat()} on instance "
                   f"{item['instance_id']}: {outcome}")
    click.echo(f"{len(fired)} timer(s) fired")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write every table to PATH (JSON), for `flask restore`."""
    counts = backup.backup(path)
    click.echo(f"backed up {sum(counts.values())} rows to {path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Load a backup into an empty database migrated to the same schema."""
    try:
        counts = backup.restore(path)
    except backup.RestoreRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {sum(counts.values())} rows from {path}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Fire due timers every PANELFLOW_SCHEDULER_INTERVAL seconds until stopped."""
    run_forever(current_app._get_current_object(), threading.Event())


def init_app(app: Flask) -> None:
    for command in (deploy_command, seed_demo_command, run_due_command, scheduler_command,
                    backup_command, restore_command, export_models_command):
        app.cli.add_command(command)
    people_cli.init_app(app)
