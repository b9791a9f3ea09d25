"""Walk a pathway through the API as each role, with the clock under the test's control.

The clock is frozen by time-machine and moved forward step by step, so the dates a diagram
works out (meeting cycles, limits, due dates) are the same whenever the suite runs.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import time_machine

HERE = Path(__file__).parent


def samples(name: str) -> dict:
    return json.loads((HERE / f"{name}_samples.json").read_text())


class Walk:
    """One case on one pathway, driven by each role's own signed-in client."""

    def __init__(self, app, as_user, key: str, roles: dict[str, str], answers: dict,
                 starter: str, traveller: time_machine.Coordinates,
                 subject: dict | None = None, data: dict | None = None):
        self.app, self.key, self.roles, self.answers = app, key, roles, answers
        self.traveller, self.as_user = traveller, as_user
        self.clients = self._sign_in({*roles.values(), starter})
        created = self.clients[starter].post("/api/v1/process-instances", json={
            "process_model": key, "data": data or {},
            "subject": subject or {"child_ref": "C-3001", "name": "Sam Example"}})
        assert created.status_code == 201, created.json
        self.id = created.json["id"]
        self.starter = starter

    def follow(self, instance_id: str, roles: dict[str, str], answers: dict,
               starter: str) -> Walk:
        """Drive another case (one the service began) with the same clock and clients."""
        other = Walk.__new__(Walk)
        other.__dict__.update(self.__dict__)
        other.id, other.roles, other.answers, other.starter = instance_id, roles, answers, starter
        other.clients = self._sign_in({*roles.values(), starter, *self.clients})
        return other

    def _sign_in(self, roles) -> dict:
        return {role: self.as_user(role) for role in roles}

    def instance(self) -> dict:
        return self.clients[self.starter].get(f"/api/v1/process-instances/{self.id}").json

    def data(self) -> dict:
        return self.instance()["data"]

    def ready(self) -> list[str]:
        return sorted(t["name"] for t in self.instance()["tasks"] if t["status"] == "ready")

    def task(self, name: str) -> dict:
        [summary] = [t for t in self.instance()["tasks"]
                     if t["name"] == name and t["status"] == "ready"]
        return summary

    def submit(self, name: str, answers: dict):
        summary = self.task(name)
        assert summary["role"] == self.roles[name], (name, summary["role"])
        return self.clients[self.roles[name]].post(
            f"/api/v1/tasks/{summary['id']}/complete", json={"data": answers})

    def do(self, name: str, sample: str | None = None, **overrides) -> dict:
        response = self.submit(name, {**self.answers[sample or name], **overrides})
        assert response.status_code == 200, response.json
        return response.json["instance"]

    def at(self, moment: str) -> None:
        """Move the clock to `moment` and let the scheduler fire what is due."""
        self.traveller.move_to(datetime.fromisoformat(moment))
        self.clients = self._sign_in(self.clients)  # tokens last hours, not weeks
        result = self.app.test_cli_runner().invoke(args=["run-due"])
        assert result.exit_code == 0, result.output
