"""CTMP's decision is sent to the child's social worker (issue 19, seed-reading gap).

Seed (case-tracking-management-panel, 1a and 1c): "This will be emailed to the Social Worker by
CTMP administrator on the day of the panel. The Social Worker must refer to the original
paperwork on its return from panel to be aware of any conditions/comments from the panel."

The child's social worker is the case's allocated worker, who may not be the person who began
the case (a duty worker, or a worker since replaced): both are sent it, each once.
"""
from __future__ import annotations

from tests.connections.test_decisions_sent import _decisions, _to_panel
from tests.test_reminders import smtp  # noqa: F401 - the fixture


def test_the_decision_reaches_the_allocated_worker_as_well_as_the_one_who_began_it(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    case = _to_panel(app, as_user, traveller, "prepare_cdmf__commissioned")
    manager = as_user("team_manager")
    moved = manager.client.put(f"/api/v1/process-instances/{case.id}/allocated-worker",
                               json={"allocated_worker": "social_worker_2"},
                               headers=manager.headers)
    assert moved.status_code == 200, moved.json
    case.at("2026-11-27T08:31:00+00:00")  # panel day, Friday 27 November
    case.do("record_decision", "record_decision__funded")
    case.at("2026-11-27T08:32:00+00:00")  # the next scheduler pass, the same morning
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker_2", "social_worker", "team_manager",
                         "commissioning_officer"}
    assert len(sent["social_worker_2"]) == 1 and len(sent["social_worker"]) == 1


def test_when_the_allocated_worker_began_the_case_they_are_sent_it_once(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    case = _to_panel(app, as_user, traveller, "prepare_cdmf")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision")
    case.at("2026-11-27T08:32:00+00:00")
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker", "team_manager"}, "not commissioned: no commissioning"
    assert len(sent["social_worker"]) == 1
