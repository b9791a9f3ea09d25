"""The process library's page for moving running cases, and the case page's repair forms:
each change goes through a confirmation page first."""
from __future__ import annotations

import re

import pytest

from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start

WITHOUT_SECOND = two_step().replace('second"', 'approve"').replace(">second<", ">approve<")


@pytest.fixture
def two_cases(app, as_user):
    """Version 1 of two_step with a case at `first` and one at `second`."""
    deploy(app, two_step())
    sw = as_user("social_worker")
    at_first = start(sw, child_ref="C-1")
    at_second = start(sw, child_ref="C-2")
    sw.post(f"/api/v1/tasks/{ready_task(at_second, 'first')['id']}/complete",
            json={"data": {"outcome": "finish", "note": "typo"}})
    return at_first["id"], at_second["id"]


def test_the_dry_run_page_lists_each_case_and_moves_the_chosen_after_confirming(
        app, browser, as_user, two_cases):
    at_first, at_second = two_cases
    deploy(app, WITHOUT_SECOND)
    owner = browser("process_owner")
    page = owner.get("/models/two_step/migrate").get_data(as_text=True)
    assert "1 of 2 open cases can move" in page
    assert "Second step" in page and "is not in version 2" in page
    assert f'value="{at_first}" checked' in page and f'value="{at_second}"' not in page
    assert 'data-diagram="migration"' in page
    confirm = owner.post("/models/two_step/migrate", {"from": "1", "to": "2", "scope": "chosen",
                                                      "instance_ids": at_first})
    assert confirm.status_code == 200
    assert "Move 1 case from version 1 to version 2?" in confirm.get_data(as_text=True)
    done = owner.post("/models/two_step/migrate", {"from": "1", "to": "2", "confirmed": "1",
                                                   "instance_ids": at_first})
    text = done.get_data(as_text=True)
    assert "1 case moved to version 2" in text
    manager = as_user("manager")
    assert manager.get(f"/api/v1/process-instances/{at_first}").json["version"] == 2
    assert manager.get(f"/api/v1/process-instances/{at_second}").json["version"] == 1


def test_moving_without_a_chosen_case_goes_back_with_a_message(app, browser, two_cases):
    deploy(app, two_step(timer='"P14D"'))
    owner = browser("process_owner")
    answer = owner.post("/models/two_step/migrate", {"from": "1", "to": "2"})
    assert answer.status_code == 302 and "/models/two_step/migrate" in answer.headers["Location"]
    assert owner.get("/models/two_step/migrate?from=1&to=7").status_code == 422


def test_send_back_from_the_case_page_confirms_then_acts(browser, two_cases):
    _, at_second = two_cases
    manager = browser("manager")
    page = manager.get(f"/cases/{at_second}").get_data(as_text=True)
    assert "Repair this case" in page and "Send back to an earlier step" in page
    confirm = manager.post(f"/cases/{at_second}/send-back",
                           {"task_name": "first", "reason": "Sent on too soon"})
    assert confirm.status_code == 200
    assert "Send the case back to an earlier step?" in confirm.get_data(as_text=True)
    done = manager.post(f"/cases/{at_second}/send-back",
                        {"task_name": "first", "reason": "Sent on too soon", "confirmed": "1"},
                        follow=True)
    text = done.get_data(as_text=True)
    assert "The case is back at “First step”" in text
    assert "sent the case back to" in text and "Sent on too soon" in text


def test_correct_and_skip_from_the_case_page(browser, two_cases):
    _, at_second = two_cases
    manager = browser("manager")
    page = manager.get(f"/cases/{at_second}").get_data(as_text=True)
    answer = re.search(r'<option value="([0-9a-f]+:note)">First step: Note', page).group(1)
    done = manager.post(f"/cases/{at_second}/correct", {
        "answer": answer, "value": "fixed", "reason": "Typing error", "confirmed": "1"},
        follow=True).get_data(as_text=True)
    assert "now reads fixed" in done and "from “typo” to “fixed”" in done
    step = re.search(r'id="skip-step" name="task_id"[^>]*>\s*'
                     r'<option value="([0-9a-f]+)">Second step', done).group(1)
    skipped = manager.post(f"/cases/{at_second}/skip", {
        "task_id": step, "reason": "Manager away", "confirmed": "1"}, follow=True)
    assert "was skipped" in skipped.get_data(as_text=True)


def test_team_managers_see_no_repair_forms_and_may_not_post_them(browser, as_user,
                                                                 two_cases):
    _, at_second = two_cases
    team_manager = browser("team_manager")
    assert "Repair this case" not in team_manager.get(f"/cases/{at_second}").get_data(
        as_text=True)
    assert team_manager.post(f"/cases/{at_second}/skip", {"task_id": "x", "reason": "y"}
                             ).status_code == 403
