"""CTMP gaps of issue 19 closed: the decision goes to the child's social worker, MTFC requests
are decided on their papers, and a deferred commissioned placement keeps its agency search.

The clock starts on Monday 23 November 2026. CTMP meets on Friday mornings (27 November,
4 December, ...) and papers are due by 12 noon on the Thursday before.
"""
from __future__ import annotations

from tests.connections.test_decisions_sent import _decisions
from tests.pathways.test_ctmp import ANSWERS, ROLES
from tests.test_allocated_worker import _walk
from tests.test_reminders import smtp  # noqa: F401 - the fixture

# 1. The decision notice ---------------------------------------------------------------------


def test_the_decision_is_sent_to_the_childs_allocated_social_worker_not_the_starter(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    """Seed 1b and 1c, "Decision of the panel": "This will be emailed to the Social Worker by
    CTMP administrator on the day of the panel." The social worker is the child's (the TPS1 "is
    completed by the child's Social Worker"): a request another social worker started for the
    child goes to the child's allocated worker on the day, with their team manager; the
    colleague who only started it is not sent it."""
    case = _walk(app, as_user, traveller, "ctmp", ROLES, ANSWERS, "social_worker",
                 "social_worker_2", "C-7601")
    cdmf = case.task("prepare_cdmf")
    assert cdmf["assignee"] == "social_worker_2"  # the child's social worker writes the CDMF
    done = as_user("social_worker_2").post(f"/api/v1/tasks/{cdmf['id']}/complete",
                                           json={"data": ANSWERS["prepare_cdmf"]})
    assert done.status_code == 200, done.json
    for step in ("sign_tm", "sign_sl", "sign_hos"):
        case.do(step)
    case.at("2026-11-27T08:31:00+00:00")  # panel day, Friday 27 November
    case.do("record_decision", "record_decision__declined")
    case.at("2026-11-27T08:32:00+00:00")  # the next scheduler pass, the same morning
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker_2", "team_manager"}
    [body] = sent["social_worker_2"]
    assert "Declined" in body
