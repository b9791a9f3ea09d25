"""A request type's own deadline for papers, on the panel's settings page (issue 19, dates of
panels): CTMP papers are due Thursday 12 noon, but a 1a CDMF "THURSDAY MORNING (before the
Friday panel)". The panel administrator sees and changes the 1a time and its words in the
browser, beside the type's cadence; the change is confirmed first and audited."""
from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, Panel
from tests.pages.test_panel_settings import _form

RULE_1A = "Thursday morning before the Friday panel"


def _cutoff_form(browser, time: str, rule: str) -> dict:
    """The whole CTMP settings form with the 1a placement request's deadline as typed."""
    return {**_form(browser, "ctmp"), "cutoff-placement_request": time,
            "cutoff-placement_request-rule": rule}


def test_the_administrator_changes_the_1a_deadline_after_confirming(app, browser, traveller):
    """Seed (CTMP) 1a: "The completed paperwork to be submitted to CTMP administrator ... by:
    THURSDAY MORNING (before the Friday panel)": the page shows 1a's own time and words,
    labelled and hinted, and an administrator's new time is kept with the type's cadence."""
    admin = browser("panel_administrator")
    page = admin.get("/panels/ctmp/settings").get_data(as_text=True)
    assert "Request types with their own deadline" in page
    assert '<label class="govuk-label govuk-label--s" for="cutoff-placement_request">' \
           "Time Placement request (not commissioned) papers are due</label>" in page
    assert 'id="cutoff-placement_request-hint"' in page
    assert 'name="cutoff-placement_request" type="text" value="09:00"' in page
    assert f'name="cutoff-placement_request-rule" type="text" value="{RULE_1A}"' in page
    assert 'name="cutoff-mtfc" type="text" value=""' in page  # MTFC keeps the panel's noon

    typed = _cutoff_form(admin, "10:30", "Thursday 10.30 before the Friday panel")
    check = admin.post("/panels/ctmp/settings", typed)
    body = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check the changes before you make them" in body
    assert f"papers due by 09:00 ({RULE_1A})" in body
    assert "papers due by 10:30 (Thursday 10.30 before the Friday panel)" in body
    with app.app_context():  # nothing changes until it is confirmed
        assert db.session.get(Panel, "ctmp").request_cadences["placement_request"][
            "cutoff_time"] == "09:00"

    done = admin.post("/panels/ctmp/settings", {**typed, "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        stored = db.session.get(Panel, "ctmp").request_cadences
        assert stored["placement_request"] == {
            "every_weeks": 2, "anchor": "2026-11-27", "cutoff_time": "10:30",
            "cutoff_rule": "Thursday 10.30 before the Friday panel"}
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "panel", AuditEvent.object_id == "ctmp")
            .order_by(AuditEvent.id.desc())).first()
        assert event.actor == "panel_administrator"
        change = event.detail["changed"]["request_cadences"]
        assert change["from"]["placement_request"]["cutoff_time"] == "09:00"
        assert change["to"]["placement_request"]["cutoff_time"] == "10:30"


def test_emptying_the_1a_deadline_gives_it_the_panels_again(app, browser, traveller):
    """Seed (CTMP): other papers are due "THURSDAY (before the Friday panel) - 12.00"; a type
    whose time and words are emptied follows the panel's deadline, keeping its cadence."""
    admin = browser("panel_administrator")
    done = admin.post("/panels/ctmp/settings", {**_cutoff_form(admin, "", ""),
                                                "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Panel, "ctmp").request_cadences == {
            "placement_request": {"every_weeks": 2, "anchor": "2026-11-27"}}


def test_a_time_that_is_not_a_time_comes_back_with_an_error_summary(app, browser, traveller):
    """Seed (CTMP) 1a: "THURSDAY MORNING" must become a time of day: "morning" is refused
    with a 422, named in the error summary, linked to the field, and what was typed kept."""
    admin = browser("panel_administrator")
    wrong = admin.post("/panels/ctmp/settings", {
        **_cutoff_form(admin, "morning", RULE_1A), "cutoff-mtfc": "11:00",
        "cutoff-mtfc-rule": ""})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert 'href="#cutoff-placement_request"' in page
    assert ("Time Placement request (not commissioned) papers are due must be a 24-hour "
            "time, like 09:00") in page
    assert 'id="cutoff-placement_request-error"' in page
    assert 'name="cutoff-placement_request" type="text" value="morning"' in page  # kept
    assert 'href="#cutoff-mtfc-rule"' in page and "papers in words" in page
    with app.app_context():
        assert db.session.get(Panel, "ctmp").request_cadences["placement_request"][
            "cutoff_time"] == "09:00"


def test_the_panels_page_says_the_1a_deadline_beside_the_panels(browser, traveller):
    """Seed (CTMP) 1a: "THURSDAY MORNING (before the Friday panel)": people preparing a CDMF
    read 1a's own deadline on the panel's page, under the panel's Thursday noon."""
    page = browser("social_worker").get("/panels/ctmp").get_data(as_text=True)
    assert "Forms by Thursday 12 noon" in page
    assert f"<li>Placement request (not commissioned): {RULE_1A}</li>" in page
