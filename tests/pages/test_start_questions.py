"""The start page asks the questions of the diagram's start form (CTMP: is this an emergency
change of placement to an external placement?), so a case begun in the browser takes the same
route as one begun through the API. Seed: CTMP procedure, "Emergency Placements": "Any
emergency change of placement that involves an external placement to be immediately notified"
to the commissioning officer (issue 19 item 5)."""
from __future__ import annotations

from app.extensions import db
from app.models import HumanTask, ProcessInstance


def _tasks(app, child_ref: str) -> list[str]:
    with app.app_context():
        case = db.session.scalar(db.select(ProcessInstance).where(
            ProcessInstance.child_ref == child_ref))
        names = sorted(t.name for t in db.session.scalars(db.select(HumanTask).where(
            HumanTask.instance_id == case.id)))
        db.session.remove()
        return names


def test_the_start_page_asks_the_start_forms_question(browser):
    b = browser("social_worker")
    page = b.get("/start/ctmp").get_data(as_text=True)
    assert "Is this an emergency change of placement to an external placement?" in page
    assert 'name="emergency_external_change"' in page
    # A pathway without a start form asks only who the child is.
    assert 'name="emergency_external_change"' not in b.get("/start/marp").get_data(as_text=True)


def test_an_emergency_begun_in_the_browser_tells_commissioning_at_once(app, browser):
    b = browser("social_worker")
    b.get("/start/ctmp")
    started = b.post("/start/ctmp", {"child_ref": "C-EMERG-WEB", "name": "Eden Web",
                                      "emergency_external_change": "yes"})
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    assert _tasks(app, "C-EMERG-WEB") == ["commissioning_told_now", "prepare_cdmf"]


def test_an_ordinary_request_begun_in_the_browser_does_not(app, browser):
    b = browser("social_worker")
    b.get("/start/ctmp")
    started = b.post("/start/ctmp", {"child_ref": "C-ORD-WEB", "name": "Orla Web",
                                      "emergency_external_change": "no"})
    assert started.status_code == 302
    assert _tasks(app, "C-ORD-WEB") == ["prepare_cdmf"]


def test_the_answer_is_kept_when_the_child_is_not_named(browser):
    b = browser("social_worker")
    b.get("/start/ctmp")
    refused = b.post("/start/ctmp", {"child_ref": "C-KEEP-WEB", "name": "",
                                      "emergency_external_change": "yes"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Enter the child&#39;s name" in page or "Enter the child's name" in page
    [answer] = [tag for tag in page.split("<input")[1:]
                if 'name="emergency_external_change"' in tag and 'value="yes"' in tag]
    assert "checked" in answer.split(">", 1)[0]
