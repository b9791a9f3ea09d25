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
         "listed_late": "service_leader",
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
    """CTMP procedure, 1d (Private Fostering Placement Approval): "Assessment of Private Fostering
    Arrangements must be completed and presented to Case Tracking Management panel within 42 days of
    'notification'"; the first visit within 7 working days (Children (Private Arrangements for
    Fostering) Regulations 2005, reg 4 and 7)."""
    visit = case.task("first_visit")
    assert visit["due_at"].startswith("2026-12-01T17:00")
    assert "reg 4 and 7" in visit["due_rule"]
    case.do("first_visit")
    pfaar = case.task("complete_pfaar")
    assert pfaar["due_at"].startswith("2026-12-23T17:00")  # 5 working days before 1 January
    assert case.data()["ctmp_deadline"] == "2027-01-01"


def test_a_close_relative_is_not_private_fostering(app, as_user, traveller):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "by a carer who is not their
    parent or a close relative"."""
    walk = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = walk.do("record_notification", carer_relationship="aunt_uncle")
    assert (instance["status"], instance["data"]["eligible"]) == ("completed", False)


def test_a_disabled_17_year_old_is_eligible_but_a_16_year_old_is_not(app, as_user, traveller):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "children under the age of 16 or
    18, or in the case of disabled children"."""
    disabled = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    assert disabled.do("record_notification", child_age=17, child_disabled=True)[
        "data"]["eligible"] is True
    older = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    assert older.do("record_notification", child_age=16)["data"]["eligible"] is False


def test_the_42_day_timer_escalates_to_the_team_manager_then_the_service_leader(case):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "within 42 days of
    'notification'": the team manager is warned before the deadline and the service leader when it
    passes (local escalation)."""
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


def test_an_assessment_done_in_time_for_a_panel_after_day_42_goes_to_the_service_leader(case):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "Assessment of Private
    Fostering Arrangements must be completed and presented to Case Tracking Management panel
    within 42 days of 'notification'". Finished on 30 December, before the deadline of
    1 January, the next panel open to it is Monday 4 January (New Year's Day moves it): the
    deadline timers went with the assessment, so the service leader is asked at once, and the
    panel still hears it."""
    case.do("first_visit")
    case.at("2026-12-18T09:01:00+00:00")
    case.do("escalate_tm")
    case.at("2026-12-30T10:00:00+00:00")
    case.do("complete_pfaar")
    data = case.data()
    assert (data["ctmp_deadline"], data["panel_meeting_date"]) == ("2027-01-01", "2027-01-04")
    assert case.ready() == ["listed_late"]
    late = case.task("listed_late")
    assert "within 42 days" in late["due_rule"]
    case.do("listed_late", "escalate_sl")
    case.at("2027-01-04T08:31:00+00:00")
    assert case.ready() == ["record_decision"]


def test_an_assessment_already_past_day_42_is_not_escalated_twice(case):
    """CTMP procedure, 1d: once the 42-day deadline has passed the service leader has been
    asked (the deadline timer); listing the late assessment asks nobody again."""
    case.do("first_visit")
    case.at("2027-01-01T09:01:00+00:00")
    case.do("escalate_tm")
    case.do("escalate_sl")
    case.do("complete_pfaar")
    assert case.ready() == []


def test_approved_letter_signed_by_the_chair_then_statutory_visits_until_it_ends(case):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "Following Panel approval, the
    CTMP administrator will compile a letter to the Private Foster Carer to be signed by the CTMP
    chair stating the decision to approve the placement (appendix III)"; visits continue until the
    arrangement ends."""
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
    """CTMP procedure, 1d (Private Fostering Placement Approval): "If the placement is not approved,
    the Panel Chair will make recommendations to the Director (Children's Services) ... The letter
    (appendix III) will be sent to the private foster carer signed by the Director stating the
    decision."
    """
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
    """CTMP procedure, 1d (Private Fostering Placement Approval): "the Director (Children's
    Services) with whom overall responsibility for ... decision making in respect of private
    fostering arrangements lies": the Director may approve what the panel did not."""
    _to_panel(case)
    case.do("record_decision", "record_decision__not_approved")
    case.do("director_decision")
    case.do("send_letter")
    assert case.data()["next_visit_due"] == "2027-01-06"


def test_letters_are_only_for_those_who_may_see_the_case(case, as_user):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "The letter (appendix III) will be
    sent to the private foster carer": the letter is the child's record, seen only by those who may
    see the case."""
    _to_panel(case)
    case.do("record_decision")
    [letter] = _letters(case)
    assert as_user("auditor").get(f"/api/v1/documents/{letter['id']}").status_code == 404
    assert as_user("auditor").get(
        f"/api/v1/process-instances/{case.id}/documents").status_code == 404


def test_the_letter_is_listed_and_downloadable_from_the_task_page(app, case):
    """CTMP procedure, 1d (Private Fostering Placement Approval): "the CTMP administrator will
    compile a letter": the administrator finds it on the task."""
    _to_panel(case)
    case.do("record_decision")
    browser = Browser(app)
    browser.sign_in("panel_administrator")
    page = browser.get(f"/tasks/{case.task('send_letter')['id']}").get_data(as_text=True)
    assert "Private fostering arrangement: approved</a>" in page
    [letter] = _letters(case)
    download = browser.get(f"/documents/{letter['id']}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_an_arrangement_of_under_28_days_is_not_private_fostering(app, as_user, traveller):
    """CTMP procedure, 1d: "... for a period of 28 days or more". 27 days ends the case at
    "Not private fostering" with no visit; 28 days is private fostering and the 7-working-day
    visit follows."""
    short = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = short.do("record_notification", expected_days=27)
    assert (instance["status"], instance["data"]["eligible"]) == ("completed", False)
    assert short.ready() == []
    exactly = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = exactly.do("record_notification", expected_days=28)
    assert instance["data"]["eligible"] is True
    assert exactly.ready() == ["first_visit"]


def test_a_carer_with_parental_responsibility_is_not_a_private_foster_carer(
        app, as_user, traveller):
    """CTMP procedure, 1d: "... by a carer who is not their parent or a close relative who does
    not have parental responsibility". A family friend who holds parental responsibility (for
    example under a child arrangements order) is not private fostering; the same friend
    without it is."""
    holder = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = holder.do("record_notification", carer_relationship="family_friend",
                         carer_has_parental_responsibility=True)
    assert (instance["status"], instance["data"]["eligible"]) == ("completed", False)
    assert holder.ready() == []
    friend = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker", traveller)
    instance = friend.do("record_notification", carer_relationship="family_friend",
                         carer_has_parental_responsibility=False)
    assert friend.ready() == ["first_visit"]
    # The question must be answered: eligibility cannot be decided without it.
    unanswered = Walk(app, as_user, "private_fostering", ROLES, ANSWERS, "social_worker",
                      traveller)
    answers = {k: v for k, v in ANSWERS["record_notification"].items()
               if k != "carer_has_parental_responsibility"}
    response = unanswered.submit("record_notification", answers)
    assert response.status_code == 422
    assert "carer_has_parental_responsibility" in response.json["errors"]
