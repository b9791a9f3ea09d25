"""Private fostering approval: eligibility, the first visit within 7 working days, the
assessment to the panel within 42 days with escalation, the decision (or the Director's),
the letters as PDF, and statutory visits until the arrangement ends.

The clock starts on Monday 23 November 2026; the notification came on Friday 20 November, so
the first visit is due on 1 December and the panel deadline is 1 January 2027.
"""
from __future__ import annotations

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

ANSWERS = samples("private_fostering")
ROLES = {"record_notification": "social_worker", "first_visit": "social_worker",
         "complete_pfaar": "social_worker", "statutory_visit": "social_worker",
         "escalate_tm": "team_manager", "escalate_sl": "service_leader",
         "record_decision": "panel_chair", "director_decision": "director",
         "send_letter": "panel_administrator"}



@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-6001", "name": "Ali Example"})
    walk.do("record_notification")
    return walk


def _to_panel(case: Walk) -> None:
    case.do("first_visit")
    case.at("2026-12-01T10:00:00+00:00")
    case.do("complete_pfaar")
    assert case.data()["panel_meeting_date"] == "2026-12-04"
    assert case.data()["presented_within_42_days"] is True
    case.at("2026-12-04T08:31:00+00:00")


def _letters(case: Walk) -> list[dict]:
    """The case's letters (its documents also keep each panel decision as a PDF)."""
    return [document for document in case.clients["panel_administrator"].get(
        f"/api/v1/process-instances/{case.id}/documents").json
        if document["kind"] != "decision"]


def test_the_first_visit_is_due_in_7_working_days_and_the_panel_within_42_days(case):
    visit = case.task("first_visit")
    assert visit["due_at"].startswith("2026-12-01T17:00")
    assert "reg 4 and 7" in visit["due_rule"]
    case.do("first_visit")
    pfaar = case.task("complete_pfaar")
    assert pfaar["due_at"].startswith("2026-12-23T17:00")  # 5 working days before 1 January
    assert case.data()["ctmp_deadline"] == "2027-01-01"


def test_a_close_relative_is_not_private_fostering(app, as_user, traveller):
    walk = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = walk.do("record_notification", carer_relationship="aunt_uncle")
    assert (instance["status"], instance["data"]["eligible"]) == ("completed", False)


def test_a_disabled_17_year_old_is_eligible_but_a_16_year_old_is_not(app, as_user, traveller):
    disabled = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    assert disabled.do("record_notification", child_age=17, child_disabled=True)[
        "data"]["eligible"] is True
    older = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    assert older.do("record_notification", child_age=16)["data"]["eligible"] is False


def test_the_42_day_timer_escalates_to_the_team_manager_then_the_service_leader(case):
    case.do("first_visit")
    case.at("2026-12-18T08:59:00+00:00")
    assert case.ready() == ["complete_pfaar"]
    case.at("2026-12-18T09:01:00+00:00")  # 14 days before the deadline
    assert case.ready() == ["complete_pfaar", "escalate_tm"]
    case.do("escalate_tm")
    case.at("2027-01-01T09:01:00+00:00")  # the deadline itself
    assert case.ready() == ["complete_pfaar", "escalate_sl"]
    case.do("escalate_sl")
    case.do("complete_pfaar")
    assert case.data()["presented_within_42_days"] is False  # the next panel is 8 January


def test_approved_letter_signed_by_the_chair_then_statutory_visits_until_it_ends(case):
    _to_panel(case)
    case.do("record_decision")
    [letter] = _letters(case)
    assert letter["kind"] == "private_fostering_approval"
    pdf = case.clients["panel_administrator"].get(f"/api/v1/documents/{letter['id']}")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"approves the arrangement" in pdf.data
    assert b"Chair, Case Tracking Management Panel" in pdf.data
    case.do("send_letter")
    # First visit 25 November: the next is due 6 weeks later, on 6 January 2027.
    assert case.data()["next_visit_due"] == "2027-01-06"
    case.at("2026-12-29T08:01:00+00:00")
    visit = case.task("statutory_visit")
    assert visit["due_at"].startswith("2027-01-06T17:00")
    case.do("statutory_visit")  # on 5 January; continues
    assert case.data()["next_visit_due"] == "2027-02-16"
    case.at("2027-02-09T08:01:00+00:00")
    instance = case.do("statutory_visit", "statutory_visit__ended")
    assert instance["status"] == "completed"
    assert instance["data"]["visits_done"] == 2


def test_not_approved_goes_to_the_director_whose_letter_refuses_it(case):
    _to_panel(case)
    case.do("record_decision", "record_decision__not_approved")
    assert case.ready() == ["director_decision"]
    case.do("director_decision", "director_decision__refused")
    [letter] = _letters(case)
    pdf = case.clients["panel_administrator"].get(f"/api/v1/documents/{letter['id']}").data
    assert b"does not approve the arrangement" in pdf and b"Director, Children's Services" in pdf
    instance = case.do("send_letter")
    assert instance["status"] == "completed"


def test_the_director_may_approve_and_visits_follow(case):
    _to_panel(case)
    case.do("record_decision", "record_decision__not_approved")
    case.do("director_decision")
    case.do("send_letter")
    assert case.data()["next_visit_due"] == "2027-01-06"


def test_letters_are_only_for_those_who_may_see_the_case(case, as_user):
    _to_panel(case)
    case.do("record_decision")
    [letter] = _letters(case)
    assert as_user("auditor").get(f"/api/v1/documents/{letter['id']}").status_code == 404
    assert as_user("auditor").get(
        f"/api/v1/process-instances/{case.id}/documents").status_code == 404


def test_the_letter_is_listed_and_downloadable_from_the_task_page(app, case):
    _to_panel(case)
    case.do("record_decision")
    browser = Browser(app)
    browser.sign_in("panel_administrator")
    page = browser.get(f"/tasks/{case.task('send_letter')['id']}").get_data(as_text=True)
    assert "Private fostering arrangement: approved</a>" in page
    [letter] = _letters(case)
    download = browser.get(f"/documents/{letter['id']}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
