"""PCT's per-family step after the forum updates the tracker only (issue 19, seed-reading gap).

Seed (Overview of Decision-Making Forums, Governance & Quality Assurance, for all forums):
"Minutes will be distributed within 3 days of the forum" - the panel's minutes
(`processes/panel_minutes`) distribute them for every case heard; and "Outstanding practice
and that requires significant improvement will be brought to the attention of the TM and SM
(if required) the following day at the latest" - PCT's own `raise_practice` step records that.
The per-family step asked both again; it now keeps only what neither covers: PCT's "overview
and tracking of all families" (seed, PCT "Purpose"), the tracker brought up to date.
"""
from __future__ import annotations

from tests.pathways.test_pct import ANSWERS, _tracked_with_practice, walk  # noqa: F401


def _asked(case, step: str) -> set[str]:
    task = case.clients[case.roles[step]].get(f"/api/v1/tasks/{case.task(step)['id']}").json
    return set(task["form"]["schema"]["properties"])


def test_the_step_after_the_forum_asks_only_for_the_tracker(walk):  # noqa: F811
    case = _tracked_with_practice(walk)
    assert _asked(case, "distribute_notes") == {"tracker_updated"}, \
        "neither the minutes' distribution nor the practice's date is asked twice"
    assert case.task("distribute_notes")["title"] == "Update the tracker"


def test_flagged_practice_is_recorded_once_on_its_own_step(walk):  # noqa: F811
    case = _tracked_with_practice(walk)
    instance = case.do("distribute_notes")  # no practice date asked, none needed
    assert "practice_raised_on" not in instance["data"]
    assert "raise_practice" in case.ready()
    raised = case.task("raise_practice")
    case.do("raise_practice", practice_raised_on="2026-12-07")
    done = case.clients["panel_chair"].get(f"/api/v1/tasks/{raised['id']}").json
    assert done["status"] == "completed" and done["data"]["practice_raised_on"] == "2026-12-07"
    assert "raise_practice" not in case.ready()


def test_the_tracker_must_be_updated_to_go_on(walk):  # noqa: F811
    case = _tracked_with_practice(walk)
    refused = case.submit("distribute_notes", {"tracker_updated": False})
    assert refused.status_code == 422 and "tracker_updated" in refused.json["errors"]
    assert "distribute_notes" in case.ready()
