"""Small factories shared by the API tests."""
from __future__ import annotations

from app.extensions import db
from app.services.deployment import deploy_xml


def deploy(app, xml: str, by: str = "tester") -> int:
    """Deploy a diagram directly (not through the API) and return its version number."""
    with app.app_context():
        version, _ = deploy_xml(xml, by)
        db.session.commit()
        return version.version


def start(client, key: str = "two_step", child_ref: str = "C-100", data: dict | None = None):
    response = client.post("/api/v1/process-instances", json={
        "process_model": key, "subject": {"child_ref": child_ref, "name": "Test Child"},
        "data": data or {}})
    assert response.status_code == 201, response.json
    return response.json


def ready_task(instance: dict, name: str) -> dict:
    matches = [t for t in instance["tasks"] if t["name"] == name and t["status"] == "ready"]
    assert len(matches) == 1, instance["tasks"]
    return matches[0]


def waiting_on_its_timer(as_user) -> str:
    """A two_step case (tests/diagrams.py) sent down its "wait" outcome: waiting on its timer,
    as a real case waits. Its id."""
    sw = as_user("social_worker")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    waited = as_user("team_manager").post(
        f"/api/v1/tasks/{done.json['next_tasks'][0]['id']}/complete",
        json={"data": {"outcome": "wait"}})
    assert waited.json["instance"]["status"] == "waiting"
    return instance["id"]
