"""Follow what I started and what I did (issue 16, item 5): a social worker sees their
requests after submitting them, with the current step, who holds it, the next panel and the
decision, and opens each case's page; nobody else's requests are listed."""
from __future__ import annotations

import json
from pathlib import Path

from app.extensions import db
from app.models import AuditEvent

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())


def _ready(instance: dict, name: str) -> str:
    [task] = [t for t in instance["tasks"] if t["name"] == name and t["status"] == "ready"]
    return task["id"]


def test_started_and_done_by_me(app, as_user, browser):
    sw = as_user("social_worker")
    mine = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-MINE", "name": "Mine Child"}})
    sw.post(f"/api/v1/tasks/{_ready(mine.json, 'prepare_request')}/complete",
            json={"data": SAMPLES["prepare_request"]})
    as_user("social_worker_2").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-THEIRS", "name": "Theirs Child"}})

    page = browser("social_worker")
    started = page.get("/my-work").get_data(as_text=True)
    assert "Mine Child" in started and "Theirs Child" not in started
    row = started[started.index("Mine Child"):][:1200]
    assert "Team manager review" in row  # where it is now
    assert "Not yet claimed" in row
    assert page.get(f"/cases/{mine.json['id']}").status_code == 200
    done = page.get("/my-work?view=done").get_data(as_text=True)
    assert "Mine Child" in done
    assert "Theirs Child" not in browser("team_manager").get(
        "/my-work?view=done").get_data(as_text=True)
    with app.app_context():  # the list is recorded as viewed, not each child on it
        kinds = {(e.object_type, e.child_ref) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.path == "/my-work"))}
        assert kinds == {("case_list", None)}
