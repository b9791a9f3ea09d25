"""How often each request type is heard, on the panel's settings page (issue 19, 5 and
"Also: panel configuration ... cadence"): CTMP sits every Friday but hears 1a placement
requests on alternate Fridays. The panel administrator changes that in the browser (not only
through `PATCH /api/v1/panels/ctmp`), sees it before and after, and the change is audited."""
from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, Panel
from tests.pages.test_panel_settings import _form

# Seed 1a's own deadline, "THURSDAY MORNING", shares the type's entry and is kept when the
# cadence changes (tests/pages/test_panel_settings_cutoff.py edits it).
CUTOFF_1A = {"cutoff_time": "09:00", "cutoff_rule": "Thursday morning before the Friday panel"}


def _cadence_form(browser, every: str, day: str, month: str, year: str) -> dict:
    """The whole CTMP settings form with the 1a placement request's cadence as typed."""
    return {**_form(browser, "ctmp"), "cadence-placement_request": every,
            "cadence-placement_request-anchor-day": day,
            "cadence-placement_request-anchor-month": month,
            "cadence-placement_request-anchor-year": year}


def _newest_change(key: str) -> AuditEvent:
    return db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "panel", AuditEvent.object_id == key)
        .order_by(AuditEvent.id.desc())).first()


def test_the_administrator_moves_the_alternate_fridays_of_1a_requests(app, browser, traveller):
    """Seed (CTMP) 1a: "The CDMF is submitted to the next available Case Tracking Management
    Panel held on alternate Friday mornings" while the panel is "held every Friday": which
    Fridays hear 1a requests is on the settings page, per request type, with its first date."""
    admin = browser("panel_administrator")
    page = admin.get("/panels/ctmp/settings").get_data(as_text=True)
    assert "How often each request type is heard" in page
    assert "Placement request (not commissioned)" in page  # the form's words, per type
    assert 'name="cadence-commissioned_placement"' in page
    assert 'id="cadence-placement_request-2" name="cadence-placement_request" type="radio" ' \
           'value="2" checked' in page
    assert 'name="cadence-placement_request-anchor-day" type="text" inputmode="numeric" ' \
           'value="27"' in page

    typed = _cadence_form(admin, "2", "4", "12", "2026")
    check = admin.post("/panels/ctmp/settings", typed)
    body = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check the changes before you make them" in body
    assert "alternate weeks from 27 November 2026" in body
    assert "alternate weeks from 4 December 2026" in body
    with app.app_context():  # nothing changes until it is confirmed
        assert db.session.get(Panel, "ctmp").request_cadences["placement_request"][
            "anchor"] == "2026-11-27"
    # The confirmation sends the date's parts back as the form had them.
    assert 'name="cadence-placement_request-anchor-day" value="4"' in body

    done = admin.post("/panels/ctmp/settings", {**typed, "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Panel, "ctmp").request_cadences == {
            "placement_request": {"every_weeks": 2, "anchor": "2026-12-04", **CUTOFF_1A}}
        event = _newest_change("ctmp")
        assert event.actor == "panel_administrator"
        assert event.detail["changed"]["request_cadences"] == {
            "from": {"placement_request": {"every_weeks": 2, "anchor": "2026-11-27",
                                           **CUTOFF_1A}},
            "to": {"placement_request": {"every_weeks": 2, "anchor": "2026-12-04", **CUTOFF_1A}}}
    [api] = [p for p in admin.get("/api/v1/panels").get_json() if p["key"] == "ctmp"]
    assert api["request_cadences"] == [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-12-04"}]


def test_a_request_type_heard_at_every_meeting_again(app, browser, traveller):
    """Seed (CTMP): the panel is "held every Friday"; choosing "Every meeting" takes a
    type's own cadence away, and another type can be given one."""
    admin = browser("panel_administrator")
    typed = {**_cadence_form(admin, "", "", "", ""), "cadence-mtfc": "3",
             "cadence-mtfc-anchor-day": "11", "cadence-mtfc-anchor-month": "12",
             "cadence-mtfc-anchor-year": "2026", "confirmed": "yes"}
    assert admin.post("/panels/ctmp/settings", typed).status_code == 302
    with app.app_context():
        assert db.session.get(Panel, "ctmp").request_cadences == {
            "placement_request": CUTOFF_1A, "mtfc": {"every_weeks": 3, "anchor": "2026-12-11"}}


def test_a_first_date_that_is_not_a_panel_day_comes_back_with_an_error_summary(
        app, browser, traveller):
    """Seed (CTMP) 1a: the alternate Fridays are panel Fridays; a Wednesday, a date that is
    not a date, or no choice at all is refused in words, linked from the error summary."""
    admin = browser("panel_administrator")
    wrong = admin.post("/panels/ctmp/settings", {
        **_cadence_form(admin, "2", "2", "12", "2026"), "cadence-mtfc": "2",
        "cadence-mtfc-anchor-day": "31", "cadence-mtfc-anchor-month": "2",
        "cadence-mtfc-anchor-year": "2027", "cadence-mtfc_x": "",
        "cadence-tps2_extension": "fortnightly"})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert 'href="#cadence-placement_request-anchor-day"' in page
    assert "must be a day the panel meets (a Friday)" in page
    assert 'href="#cadence-mtfc-anchor-day"' in page and "as a real date" in page
    assert 'href="#cadence-tps2_extension"' in page
    assert "Select how often Extension of funding: TPS2 requests are heard" in page
    assert 'name="cadence-placement_request-anchor-day" type="text" inputmode="numeric" ' \
           'value="2"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.get(Panel, "ctmp").request_cadences["placement_request"][
            "anchor"] == "2026-11-27"
