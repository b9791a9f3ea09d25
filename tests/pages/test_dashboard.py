"""The drift-and-delay dashboard: figures from real cases, each linking to its cases."""
from __future__ import annotations

from datetime import UTC, datetime

from app.services.dashboard import percentile
from tests.pages.conftest import Browser
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([4, 1, 3, 2], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.9) == 7


def test_the_dashboard_counts_in_flight_overdue_and_time_to_decision(app, as_user, traveller):
    decided = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    # A second request, left at its first step: due 7 December, so overdue by the 8th.
    Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    for step in ("prepare_request", "tm_review", "sm_approval", "list_for_panel"):
        decided.do(step)
    decided.at("2026-12-08T09:00:00+00:00")
    decided.do("record_decision", "record_decision__approved")
    manager = Browser(app)
    manager.sign_in("manager")
    page = manager.get("/dashboard").get_data(as_text=True)
    row = page[page.index("Multi-Agency Resource Panel (MARP)<span"):].split("</tr>")[0]
    # The approved request ends with its decision (the meeting's minutes are the panel's own
    # task): the one left at its first step is in flight.
    assert ">1<span class=\"govuk-visually-hidden\"> cases in flight" in row
    assert "/cases?pathway=marp&amp;overdue=1" in row and ">1<span" in row
    # 23 November to the decision on 8 December, as people write days: "15", not "15.0".
    assert ">15</td>" in row and "15.0" not in row
    assert "Approved: 1" in page
    assert "Locality Team A" in page  # the overdue step's team
    social_worker = Browser(app)
    social_worker.sign_in("social_worker")
    assert social_worker.get("/dashboard").status_code == 403


def test_the_heatmap_counts_cases_waiting_at_each_step(app, as_user, traveller):
    for _ in range(2):
        Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    traveller.move_to(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    manager = Browser(app)
    manager.sign_in("manager")
    assert manager.get("/dashboard/marp/heatmap.json").get_json() == {
        "prepare_request": {"waiting": 2, "median_days": 3.0}}
    page = manager.get("/dashboard/marp").get_data(as_text=True)
    assert "Prepare request" in page
    assert ">3</td>" in page and "3.0" not in page  # days as people write them
    assert manager.get("/dashboard/nope").status_code == 404


def test_the_heatmap_counts_cases_waiting_for_a_timer(app, as_user, traveller):
    case = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    for step in ("prepare_request", "tm_review", "sm_approval", "list_for_panel"):
        case.do(step)
    traveller.shift(2 * 86400)  # the listed request waits two days for the meeting day
    manager = Browser(app)
    manager.sign_in("manager")
    assert manager.get("/dashboard/marp/heatmap.json").get_json() == {
        "wait_for_panel_meeting": {"waiting": 1, "median_days": 2.0}}
    case.at("2026-12-08T09:00:00+00:00")  # the meeting day: the chair's step, not the timer
    manager.sign_in("manager")  # a week later: the earlier sign-in has lapsed
    assert list(manager.get("/dashboard/marp/heatmap.json").get_json()) == ["record_decision"]
