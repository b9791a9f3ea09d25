"""Absence cover in the pages: "My absence" for anyone, the person's page for their team
manager and an administrator; the cover's inbox and task page while it runs; the case's
history says who did what for whom."""
from __future__ import annotations

import json
from pathlib import Path

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
# The traveller fixture's Monday 23 November 2026: away Wednesday to Friday.
AWAY = {"starts_on-day": "25", "starts_on-month": "11", "starts_on-year": "2026",
        "ends_on-day": "27", "ends_on-month": "11", "ends_on-year": "2026",
        "cover": "social_worker_2"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_anyone_records_their_own_absence_with_errors_said_plainly(browser, traveller):
    me = browser("social_worker")
    inbox = _text(me.get("/"))
    assert 'href="/people/social_worker/absences">My absence</a>' in inbox
    page = _text(me.get("/people/social_worker/absences"))
    assert "Your absences" in page and "Priya Lane (Social Worker)" in page
    assert "Lee Marsh" not in page and "Alex Morgan" not in page  # other team, other work
    refused = me.post("/people/social_worker/absences", {
        **AWAY, "starts_on-day": "31", "starts_on-month": "2", "ends_on-year": "",
        "cover": ""})
    page = _text(refused)
    assert refused.status_code == 422 and "<title>Error: Your absences" in page
    assert 'href="#starts_on-day">The date the absence starts must be a real date' in page
    assert 'href="#ends_on-day">The date the absence ends must include a year' in page
    assert 'href="#cover">Choose who covers the work' in page
    assert 'name="starts_on-day" type="text" inputmode="numeric" value="31"' in page
    inline = page[page.index('id="starts_on-error"'):][:200]  # beside the date, once
    assert "must be a real date</p>" in inline and "[" not in inline
    done = me.post("/people/social_worker/absences", AWAY)
    assert done.status_code == 302
    page = _text(me.get("/people/social_worker/absences"))
    assert ("Priya Lane (Social Worker) covers your work from 25 November 2026 to 27 November "
            "2026") in page
    assert "Cancel<span class=\"govuk-visually-hidden\"> the absence from 25 November" in page
    assert browser("social_worker_3").get("/people/social_worker/absences").status_code == 403
    assert browser("social_worker_2").get("/people/social_worker/absences").status_code == 403
    assert me.get("/people/nobody/absences").status_code == 404


def test_the_cover_sees_and_does_the_work_marked_and_recorded_for_the_absent_person(
        browser, as_user, traveller):
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-COVER", "name": "Cover Child"}})
    instance_id, task_id = started.json["id"], started.json["tasks"][0]["id"]
    manager = browser("team_manager")
    person = _text(manager.get("/admin/people/social_worker"))
    assert "/people/social_worker/absences" in person
    assert manager.post("/people/social_worker/absences", AWAY).status_code == 302

    cover = browser("social_worker_2")
    assert "Covering for" not in _text(cover.get("/"))  # not yet
    traveller.move_to("2026-11-25T09:00:00+00:00")
    cover = browser("social_worker_2")
    inbox = _text(cover.get("/"))
    assert "Covering for Sam Carter (Social Worker)" in inbox and "Cover Child" in inbox
    page = _text(cover.get(f"/tasks/{task_id}?view=all"))  # the one-page form
    assert "Covering for Sam Carter (Social Worker)" in page and 'name="action"' in page
    form = {key: value for key, value in SAMPLES["prepare_request"].items()
            if not isinstance(value, (list, bool, dict))}
    drafted = cover.post(f"/tasks/{task_id}", {**form, "action": "draft"})
    assert drafted.status_code == 302 and "/tasks/" in drafted.headers["Location"]
    done = as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/complete",
                                           json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200, done.json
    history = _text(browser("team_manager").get(f"/cases/{instance_id}"))
    assert ("Priya Lane (Social Worker) completed “Prepare MARP request” for Sam Carter "
            "(Social Worker)") in history

    traveller.move_to("2026-11-28T09:00:00+00:00")
    assert "Covering for" not in _text(browser("social_worker_2").get("/"))


def test_cancelling_an_absence_asks_first(browser, traveller):
    admin = browser("administrator")
    assert admin.post("/people/social_worker/absences", AWAY).status_code == 302
    page = _text(admin.get("/people/social_worker/absences"))
    assert "Sam Carter (Social Worker)&#39;s absences" in page
    link = page.split('href="/absences/')[1].split('"')[0]
    confirm = _text(admin.get(f"/absences/{link}"))
    assert "Cancel this absence?" in confirm and "covered by Priya Lane" in confirm
    assert browser("social_worker_3").get(f"/absences/{link}").status_code == 403
    assert admin.post(f"/absences/{link}").status_code == 302
    assert "has been cancelled" in _text(admin.get("/people/social_worker/absences"))
    assert admin.get(f"/absences/{link}").status_code == 404
