"""Returned work stands out (issue 16, item 6): a returned task is tagged "Returned" in the
inbox and opens with a banner saying who returned it, when and why; the resubmitted request
goes back to the person who returned it, not to anyone in the role's queue."""
from __future__ import annotations

import json
from pathlib import Path

from app.extensions import db
from tests.factories import make_user

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())


def _ready(instance: dict, name: str) -> str:
    [task] = [t for t in instance["tasks"] if t["name"] == name and t["status"] == "ready"]
    return task["id"]


def test_a_returned_request_stands_out_and_goes_back_to_who_returned_it(app, as_user,
                                                                        browser):
    with app.app_context():  # a second team manager in Locality Team A does the review
        make_user("tm_other", ["team_manager"], team="Locality Team A",
                  service="Locality Services")
        db.session.remove()
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-RET", "name": "Returned Child"}})
    request_id = _ready(started.json, "prepare_request")
    submitted = sw.post(f"/api/v1/tasks/{request_id}/complete",
                        json={"data": SAMPLES["prepare_request"]})
    returned = as_user("tm_other").post(
        f"/api/v1/tasks/{_ready(submitted.json['instance'], 'tm_review')}/complete",
        json={"data": SAMPLES["tm_review__return"]})
    assert returned.status_code == 200, returned.json
    again = _ready(returned.json["instance"], "prepare_request")

    page = browser("social_worker")
    inbox = page.get("/").get_data(as_text=True)
    table = inbox[inbox.index("<tbody"):]
    row = table[table.index("Prepare MARP request"):][:400]
    assert "Returned</strong>" in row
    task = page.get(f"/tasks/{again}").get_data(as_text=True)
    banner = task[task.index('id="returned-title"'):][:1500]
    assert "tm_other returned this on" in banner
    assert "family group conference" in banner  # why: their comments, in the form's words
    # A task that was never returned has neither.
    other = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-NEW", "name": "New Child"}})
    fresh = page.get(f"/tasks/{_ready(other.json, 'prepare_request')}").get_data(as_text=True)
    assert 'id="returned-title"' not in fresh

    resubmitted = sw.post(f"/api/v1/tasks/{again}/complete",
                          json={"data": SAMPLES["prepare_request"]})
    review = _ready(resubmitted.json["instance"], "tm_review")
    assert as_user("tm_other").get(f"/api/v1/tasks/{review}").json["assignee"] == "tm_other"
    assert review not in {t["id"] for t in as_user("team_manager").get(
        "/api/v1/tasks?filter=claimable").json["items"]}
    history = sw.get(f"/api/v1/process-instances/{started.json['id']}/history").json
    assert history[-1]["event"] == "assigned"
    assert history[-1]["detail"]["assignee"] == "tm_other"


def test_a_resubmission_whose_reviewer_has_left_goes_to_the_queue(app, as_user):
    with app.app_context():
        make_user("tm_leaver", ["team_manager"], team="Locality Team A",
                  service="Locality Services")
        db.session.remove()
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-LEFT", "name": "Left Child"}})
    submitted = sw.post(f"/api/v1/tasks/{_ready(started.json, 'prepare_request')}/complete",
                        json={"data": SAMPLES["prepare_request"]})
    returned = as_user("tm_leaver").post(
        f"/api/v1/tasks/{_ready(submitted.json['instance'], 'tm_review')}/complete",
        json={"data": SAMPLES["tm_review__return"]})
    assert as_user("administrator").patch("/api/v1/users/tm_leaver",
                                          json={"active": False}).status_code == 200
    resubmitted = sw.post(
        f"/api/v1/tasks/{_ready(returned.json['instance'], 'prepare_request')}/complete",
        json={"data": SAMPLES["prepare_request"]})
    review = _ready(resubmitted.json["instance"], "tm_review")
    assert review in {t["id"] for t in as_user("team_manager").get(
        "/api/v1/tasks?filter=claimable").json["items"]}
