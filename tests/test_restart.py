"""Everything lives in the database: a restarted app carries on where the last one stopped."""
from __future__ import annotations

from app import create_app
from app.engine.specs import SPECS
from tests.conftest import ApiClient
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


def test_a_new_process_continues_the_pathway(app, as_user, database_url, forms_dir):
    deploy(app, two_step())
    instance = start(as_user("social_worker"))
    SPECS.clear()  # as after a restart: nothing parsed in memory
    restarted = create_app({**{k: app.config[k] for k in (
        "PANELFLOW_ENV", "PROCESSES_DIR", "DEMO_PASSWORD")},
        "SQLALCHEMY_DATABASE_URI": database_url, "FORMS_DIR": str(forms_dir),
        "DEPLOY_ON_START": True, "RUN_SCHEDULER": False})
    sw = ApiClient(restarted, "social_worker")
    task_id = ready_task(instance, "first")["id"]
    assert sw.get(f"/api/v1/tasks/{task_id}").json["status"] == "ready"
    done = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "finish"}})
    assert done.status_code == 200
    assert [t["name"] for t in done.json["next_tasks"]] == ["second"]
    versions = sw.get("/api/v1/process-models/marp").json["versions"]
    assert len(versions) == 1  # unchanged diagrams are not redeployed on start
