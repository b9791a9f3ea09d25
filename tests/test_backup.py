"""`flask backup` and `flask restore`: a case restored mid-pathway carries on."""
from __future__ import annotations

import json
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.engine.specs import SPECS
from app.extensions import db
from tests.conftest import ROOT, ApiClient

SAMPLES = json.loads((Path(__file__).parent / "pathways" / "marp_samples.json").read_text())


def test_backup_and_restore_round_trip(app, as_user, empty_database, forms_dir, tmp_path):
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-BAK", "name": "Backup Child"}})
    first = started.json["tasks"][0]["id"]
    done = sw.post(f"/api/v1/tasks/{first}/complete", json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200
    instance_id = started.json["id"]

    backup_file = tmp_path / "backup.json"
    result = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert result.exit_code == 0, result.output

    restored = create_app({"PANELFLOW_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database,
                           "DEPLOY_ON_START": False, "FORMS_DIR": str(forms_dir),
                           "PROCESSES_DIR": str(ROOT / "processes")})
    with restored.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    again = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert again.exit_code != 0 and "not empty" in again.output

    SPECS.clear()
    tm = ApiClient(restored, "team_manager")  # passwords and roles came across too
    case = tm.get(f"/api/v1/process-instances/{instance_id}").json
    assert case["subject"]["child_ref"] == "C-BAK"
    [review] = [t for t in case["tasks"] if t["status"] == "ready"]
    assert review["name"] == "tm_review"
    moved = tm.post(f"/api/v1/tasks/{review['id']}/complete",
                    json={"data": SAMPLES["tm_review"]})
    assert moved.status_code == 200
    assert [t["name"] for t in moved.json["next_tasks"]] == ["sm_approval"]
    history = tm.get(f"/api/v1/process-instances/{instance_id}/history").json
    assert [e["event"] for e in history][:3] == ["started", "assigned", "completed"]
    token = restored.test_client().post("/api/v1/auth/token", json={
        "username": "social_worker", "password": "demo-test-password"})
    assert token.status_code == 200
    with restored.app_context():
        db.engine.dispose()
