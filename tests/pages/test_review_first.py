"""Reviewers see what they review first (issue 16, item 8): a review step opens with the
request as a check-answers summary, what changed since the last round marked, then the
decision."""
from __future__ import annotations

from tests.pages.test_conditional_questions import SAMPLES


def _ready(instance: dict, name: str) -> str:
    [task] = [t for t in instance["tasks"] if t["name"] == name and t["status"] == "ready"]
    return task["id"]


def test_the_review_opens_with_the_request_and_then_what_changed(as_user, browser):
    sw, tm = as_user("social_worker"), as_user("team_manager")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-REV", "name": "Rae Review"}})
    request_id = _ready(started.json, "prepare_request")
    sent = sw.post(f"/api/v1/tasks/{request_id}/complete",
                   json={"data": SAMPLES["prepare_request"]})
    review_id = _ready(sent.json["instance"], "tm_review")

    page = browser("team_manager").get(f"/tasks/{review_id}").get_data(as_text=True)
    first = page.index('id="under-review-title"')
    assert first < page.index('name="tm_review_outcome"')  # the request, then the decision
    summary = page[first:page.index("Your decision")]
    assert "Prepare MARP request, sent by" in summary
    assert "£260,000" in summary and "Changed" not in summary  # the first round: nothing to mark

    returned = tm.post(f"/api/v1/tasks/{review_id}/complete",
                       json={"data": SAMPLES["tm_review__return"]})
    again = _ready(returned.json["instance"], "prepare_request")
    amended = {**SAMPLES["prepare_request"], "estimated_cost": 240000}
    resent = sw.post(f"/api/v1/tasks/{again}/complete", json={"data": amended})
    second = _ready(resent.json["instance"], "tm_review")

    page = browser("team_manager").get(f"/tasks/{second}").get_data(as_text=True)
    summary = page[page.index('id="under-review-title"'):page.index("Your decision")]
    assert "This is round 2: 1 answer changed" in summary
    changed = summary[summary.index("app-changed"):]
    assert "Estimated total cost, in pounds" in changed[:400]
    assert "£240,000" in changed[:600] and "Was: £260,000" in changed[:800]
    assert summary.count('<strong class="govuk-tag govuk-tag--yellow">Changed</strong>') == 1


def test_the_request_step_itself_does_not_open_with_a_review(browser):
    b = browser("social_worker")
    b.get("/start/marp")
    task_url = b.post("/start/marp", {"child_ref": "C-NOREV", "name": "Noah"}
                      ).headers["Location"].split("?")[0]
    assert 'id="under-review-title"' not in b.get(task_url).get_data(as_text=True)
