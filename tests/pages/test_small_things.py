"""Smaller things seen in daily use (issue 16, item 11)."""
from __future__ import annotations

from app.web.display import days


def test_no_page_asks_for_a_font_it_would_be_refused(app):
    client = app.test_client()
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "@font-face" not in text and "/assets/fonts/" not in text
    assert ".govuk-body" in text  # the rest of the CSS is all there
    assert client.get("/assets/fonts/bold-affa96571d-v2.woff2").status_code == 404


def test_days_read_as_people_write_them():
    assert [days(v) for v in (1.0, 2.5, 14.0, 0.04, None)] == ["1", "2.5", "14", "0", "–"]


def test_the_dashboard_lists_forums_not_the_services_own_pathways(browser):
    page = browser("manager").get("/dashboard").get_data(as_text=True)
    assert "Multi-Agency Resource Panel" in page
    for own in ("/dashboard/panel_minutes", "/dashboard/panel_note"):
        assert own not in page


def test_a_case_page_names_people(as_user, browser):
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-NAMES", "name": "Names Child"}})
    page = browser("manager").get(f"/cases/{started.json['id']}").get_data(as_text=True)
    assert "by Sam Carter (Social Worker)" in page
    assert "by social_worker" not in page
