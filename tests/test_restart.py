"""Everything lives in the database: a restarted app carries on where the last one stopped."""
from __future__ import annotations

import json
import logging

from sqlalchemy import text

from app import create_app
from app.engine.specs import SPECS
from app.extensions import db
from app.services import deployment, form_store
from tests.conftest import ROOT, ApiClient
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


def _restart(app, database_url, forms_dir, **config):
    SPECS.clear()
    return create_app({**{k: app.config[k] for k in (
        "PANELFLOW_ENV", "PROCESSES_DIR", "DEMO_PASSWORD")},
        "SQLALCHEMY_DATABASE_URI": database_url, "FORMS_DIR": str(forms_dir),
        "DEPLOY_ON_START": True, "RUN_SCHEDULER": False, **config})


def _marp_versions(app) -> list[tuple[int, str]]:
    with app.app_context():
        found = [(v.version, v.deployed_by) for v in deployment.versions_of("marp")]
        db.session.remove()
        return found


def test_a_version_a_person_deployed_survives_a_restart_and_flask_deploy(
        app, database_url, forms_dir, caplog):
    """A process owner's MARP v2 (and a form they saved) outlive start-up and `flask deploy`,
    which say so and how to export them."""
    xml = (ROOT / "processes" / "marp" / "marp.bpmn").read_text().replace(
        'name="Prepare MARP request"', 'name="Prepare the MARP request"')
    form = json.loads((ROOT / "forms" / "marp" / "tm-review.schema.json").read_text())
    form["title"] = "Team manager's review"
    with app.app_context():
        form_store.save("marp/tm-review.schema.json", json.dumps(form), "process_owner")
        db.session.commit()
    assert deploy(app, xml, by="process_owner") == 2
    try:
        with caplog.at_level(logging.WARNING, logger="app"):
            restarted = _restart(app, database_url, forms_dir)
        assert _marp_versions(app) == [(1, "system"), (2, "process_owner")]
        said = caplog.text
        assert "marp: kept version 2, deployed by process_owner on " in said
        assert "marp.bpmn differs and was not deployed over it" in said
        assert "flask export-models" in said
        assert "form marp/tm-review.schema.json: version 1 saved in the browser by " \
               "process_owner" in said

        result = restarted.test_cli_runner().invoke(args=["deploy"])
        assert result.exit_code == 0, result.output
        assert _marp_versions(app) == [(1, "system"), (2, "process_owner")]
        lines = result.output.splitlines()
        [marp] = [line for line in lines if line.startswith("marp:")]
        assert marp.startswith("marp: kept version 2, deployed by process_owner on ")
        assert "To keep version 2 in git, run `flask export-models`" in marp
        assert "pct: version 1 is current (pct.bpmn unchanged)" in lines
        assert any(line.startswith("form marp/tm-review.schema.json: version 1 saved in the "
                                   "browser by process_owner") for line in lines)
        with restarted.app_context():
            assert json.loads(form_store.read("marp/tm-review.schema.json"))["title"] == \
                "Team manager's review"
    finally:  # only a failing run leaves system versions behind
        with app.app_context():
            db.session.execute(text(
                "DELETE FROM process_model_versions WHERE key = 'marp' AND version > 1"))
            db.session.commit()
            db.session.remove()


def test_flask_deploy_says_what_start_up_deployed(app, database_url, forms_dir, tmp_path):
    """`flask deploy` starts the app, which deploys processes/ first: on a new pathway the
    command says it was deployed (as the app started), not that it was unchanged."""
    (tmp_path / "startup_probe.bpmn").write_text(two_step("startup_probe"))
    try:
        restarted = _restart(app, database_url, forms_dir, PROCESSES_DIR=str(tmp_path))
        result = restarted.test_cli_runner().invoke(args=["deploy"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == [
            "startup_probe: version 1 deployed from startup_probe.bpmn as the app started"]
        again = _restart(app, database_url, forms_dir, PROCESSES_DIR=str(tmp_path))
        result = again.test_cli_runner().invoke(args=["deploy"])
        assert result.output.splitlines() == [
            "startup_probe: version 1 is current (startup_probe.bpmn unchanged)"]
    finally:
        with app.app_context():
            db.session.execute(text(
                "DELETE FROM process_model_versions WHERE key = 'startup_probe'"))
            db.session.commit()
            db.session.remove()
