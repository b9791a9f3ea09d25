"""A panel's settings as pages (issue 19, "Also: panel configuration"): the panel
administrator and process owner change hours, slots, the deadline for papers, the minutes
deadline, chair, vice chair and members in the browser, not only through the API. Invalid
answers come back with a GOV.UK error summary and what was typed; a change is shown before
and after and made only when confirmed; future meetings follow it; the audit trail records
who changed what. (Who may open the pages: tests/test_authorization_matrix.py.)"""
from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, Meeting, Panel
from app.services import panels
from tests.pages.test_agenda_page import _listed


def _form(browser, key: str = "pct") -> dict:
    """The settings form as it stands for `key`, as a browser would send it back."""
    with browser.client.application.app_context():
        panel = db.session.get(Panel, key)
        return {"starts_at": panel.starts_at, "ends_at": panel.ends_at,
                "slot_minutes": str(panel.slot_minutes),
                "cutoff_working_days": str(panel.cutoff_working_days),
                "cutoff_time": panel.cutoff_time, "cutoff_rule": panel.cutoff_rule,
                "on_holiday": panel.on_holiday,
                "minutes_due_working_days": str(panel.minutes_due_working_days),
                "chair": panel.chair, "vice_chair": panel.vice_chair or "",
                "administrator": panel.administrator, "members": "\n".join(panel.members),
                "notes": panel.notes or ""}


def test_the_administrator_changes_hours_chair_and_members_after_confirming(
        app, browser, traveller):
    admin = browser("panel_administrator")
    page = admin.get("/panels/pct").get_data(as_text=True)
    assert 'href="/panels/pct/settings"' in page
    form_page = admin.get("/panels/pct/settings").get_data(as_text=True)
    assert 'value="09:00"' in form_page and "Fortnightly on Friday" in form_page
    typed = {**_form(admin), "starts_at": "09:30", "ends_at": "11:30",
             "vice_chair": "Service Manager, Localities",
             "members": "Legal: head lawyer for children's services (or delegate)\n"
                        "Quality Assurance and Reviewing Manager"}

    check = admin.post("/panels/pct/settings", typed)
    assert check.status_code == 200
    body = check.get_data(as_text=True)
    assert "Check the changes before you make them" in body
    assert "09:00" in body and "09:30" in body and "Service Manager, Localities" in body
    with app.app_context():  # nothing changes until it is confirmed
        assert db.session.get(Panel, "pct").starts_at == "09:00"

    done = admin.post("/panels/pct/settings", {**typed, "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/panels/pct")
    with app.app_context():
        panel = db.session.get(Panel, "pct")
        assert (panel.starts_at, panel.ends_at) == ("09:30", "11:30")
        assert panel.vice_chair == "Service Manager, Localities"
        assert panel.members == ["Legal: head lawyer for children's services (or delegate)",
                                 "Quality Assurance and Reviewing Manager"]
        assert panel.chair.startswith("PCT Chair")  # not typed differently: kept
        first = db.session.scalars(db.select(Meeting).where(Meeting.panel_key == "pct")
                                   .order_by(Meeting.starts_at)).first()
        assert panels.local_moment(first.scheduled_on, "09:30") == first.starts_at
        # The audit trail outlives each test (append-only): this change is the newest entry.
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "panel", AuditEvent.object_id == "pct")
            .order_by(AuditEvent.id.desc())).first()
        assert event.actor == "panel_administrator" and event.action == "change"
        assert event.detail["changed"]["starts_at"] == {"from": "09:00", "to": "09:30"}
        assert set(event.detail["changed"]) == {"starts_at", "ends_at", "vice_chair", "members"}
    shown = admin.get("/panels/pct").get_data(as_text=True)
    assert "09:30 to 11:30" in shown and "vice chair: Service Manager, Localities" in shown


def test_invalid_settings_come_back_with_an_error_summary_and_what_was_typed(
        app, browser, traveller):
    owner = browser("process_owner")
    typed = {**_form(owner), "starts_at": "9.30", "ends_at": "08:00", "slot_minutes": "ten",
             "chair": "", "on_holiday": "", "cutoff_working_days": "31"}
    response = owner.post("/panels/pct/settings", typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page and "govuk-error-summary" in page
    for anchor, message in (
            ("starts_at", "Start time must be a 24-hour time, like 09:30"),
            ("slot_minutes", "Slot length must be a whole number of minutes"),
            ("chair", "Enter the chair"),
            ("on_holiday", "Select what happens to a meeting on a bank holiday"),
            ("cutoff_working_days", "must be between 0 and 30 working days")):
        assert f'href="#{anchor}"' in page, anchor
        assert message in page, message
    assert 'value="9.30"' in page and 'value="ten"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.get(Panel, "pct").starts_at == "09:00"
    # An end before the start, with a good start, is named on its own field.
    response = owner.post("/panels/pct/settings", {**_form(owner), "ends_at": "08:00"})
    assert response.status_code == 422
    assert "End time must be after the start time" in response.get_data(as_text=True)


def test_the_confirmation_says_which_meetings_with_cases_take_the_new_hours(
        app, as_user, browser, traveller):
    walk = _listed(app, as_user, traveller)  # a MARP request listed on the next meeting
    meeting_id = walk.instance()["listing"]["meeting_id"]
    admin = browser("panel_administrator")
    check = admin.post("/panels/marp/settings", {**_form(admin, "marp"), "starts_at": "13:00",
                                                 "ends_at": "15:00"})
    assert "1 meeting to come with cases listed keeps its day" in check.get_data(as_text=True)
    admin.post("/panels/marp/settings", {**_form(admin, "marp"), "starts_at": "13:00",
                                         "ends_at": "15:00", "confirmed": "yes"})
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)  # kept, with its case, at the new hour
        assert meeting.starts_at == panels.local_moment(meeting.scheduled_on, "13:00")
        assert len(meeting.items) == 1


def test_others_see_no_link_and_are_refused(browser, traveller):
    worker = browser("team_manager")
    assert "/panels/pct/settings" not in worker.get("/panels/pct").get_data(as_text=True)
    assert worker.get("/panels/pct/settings").status_code == 403
    assert worker.post("/panels/pct/settings", {"starts_at": "10:00"}).status_code == 403
    assert browser("manager").get("/panels/nosuchpanel/settings").status_code == 404
