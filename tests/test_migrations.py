"""Migrations carry a council's data across: a database holding the old shape of people
(team and service as strings on the user row) upgrades to teams and services as rows."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.models import User
from app.services import access
from tests.conftest import ROOT

MIGRATIONS = str(ROOT / "migrations")


def _old_shape(conn) -> None:
    """People and cases as revision 0012 stored them."""
    for key in ("social_worker", "team_manager", "head_of_service", "manager"):
        conn.execute(sa.text("INSERT INTO roles (key, name) VALUES (:k, :k)"), {"k": key})
    people = [(1, "sw", "North Team", "Early Help", "social_worker"),
              (2, "tm", "North Team", "Early Help", "team_manager"),
              (3, "hos", None, "Early Help", "head_of_service"),
              (4, "boss", None, None, "manager"),
              (5, "tm_south", "South Team", "Disability", "team_manager")]
    for user_id, name, team, service, role in people:
        conn.execute(sa.text(
            "INSERT INTO users (id, username, display_name, password_hash, team, service, "
            "active, created_at) VALUES (:i, :u, :u, 'x', :t, :s, :a, :c)"),
            {"i": user_id, "u": name, "t": team, "s": service, "a": True,
             "c": "2026-01-01 00:00:00"})
        conn.execute(sa.text("INSERT INTO user_roles (user_id, role_key) VALUES (:i, :r)"),
                     {"i": user_id, "r": role})


def test_people_in_the_old_shape_upgrade_to_teams_and_services(empty_database, forms_dir):
    app = create_app({"PANELFLOW_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database,
                      "DEPLOY_ON_START": False, "FORMS_DIR": str(forms_dir),
                      "PROCESSES_DIR": str(ROOT / "processes")})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0012")
        with db.engine.begin() as conn:
            _old_shape(conn)
        upgrade(directory=MIGRATIONS)

        with db.engine.connect() as conn:
            teams = conn.execute(sa.text(
                "SELECT key, name, service_key FROM teams ORDER BY key")).fetchall()
            assert [tuple(t) for t in teams] == [("North Team", "North Team", "Early Help"),
                                                 ("South Team", "South Team", "Disability")]
            assert {s for (s,) in conn.execute(sa.text("SELECT key FROM services"))} == {
                "Early Help", "Disability"}

        def person(username: str) -> User:
            return db.session.scalar(db.select(User).where(User.username == username))

        assert person("sw").team == "North Team" and person("sw").service == "Early Help"
        # Every later migration too keeps people's roles (no table copy cascading deletes).
        assert person("sw").role_keys == {"social_worker"}
        assert access.managed_teams(person("tm")) == {"North Team"}
        assert access.managed_teams(person("tm_south")) == {"South Team"}
        assert access.led_services(person("hos")) == {"Early Help"}
        assert person("hos").service == "Early Help"
        assert access.managed_teams(person("boss")) == set() and person("boss").service is None
        db.session.remove()

        # And back: the strings return to the user rows.
        downgrade(directory=MIGRATIONS, revision="0012")
        with db.engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT username, service FROM users")).fetchall())
        assert rows == {"sw": "Early Help", "tm": "Early Help", "hos": "Early Help",
                        "boss": None, "tm_south": "Disability"}
        db.engine.dispose()
