"""Commands for a council's first administrator: `flask create-admin` and
`flask set-password`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Role, User
from app.services import people
from app.services.auth import hash_password
from app.services.errors import ServiceError

# Roles no lane names but the product itself uses.
BUILT_IN_ROLES = {"administrator": "Administrator", "process_owner": "Process Owner",
                  "manager": "Manager", "auditor": "Auditor",
                  "head_of_service": "Head of Service",
                  "case_system": "Case system (sends messages)"}


def ensure_roles(processes_dir: Path) -> list[str]:
    """Every role a lane in processes/ names, and the built-in ones: made if missing."""
    from app.demo import lane_roles  # noqa: PLC0415 - reads lanes only, no demo data

    made = []
    for key, name in (BUILT_IN_ROLES | lane_roles(processes_dir)).items():
        if key != "system" and db.session.get(Role, key) is None:
            db.session.add(Role(key=key, name=name))
            made.append(key)
    db.session.flush()
    return made


@click.command("create-admin")
@click.argument("username")
@click.option("--display-name", required=True, help="Their name as people should see it.")
@click.option("--email", default=None, help="Their work email address.")
@with_appcontext
def create_admin_command(username: str, display_name: str, email: str | None) -> None:
    """Create an administrator (the first one, on an empty production database)."""
    ensure_roles(Path(current_app.config["PROCESSES_DIR"]))
    try:
        people.create_user(None, {"username": username, "display_name": display_name,
                                  "email": email, "roles": [people.ADMINISTRATOR_ROLE]})
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Administrator {username} ({display_name}) created.")
    click.echo(f"They set their password with: flask set-password {username}")
    click.echo("or, where single sign-on is configured, sign in through the identity provider.")
    click.echo("Then they add people and teams at /admin/people, or through /api/v1/users.")


@click.command("set-password")
@click.argument("username")
@click.password_option(help="At least 12 characters.")
@with_appcontext
def set_password_command(username: str, password: str) -> None:
    """Set a person's password (asked twice, never echoed)."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"There is no person {username!r}")
    if len(password) < people.MIN_PASSWORD:
        raise click.ClickException(f"Use a password of at least {people.MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    db.session.commit()
    click.echo(f"Password set for {username}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(set_password_command)
