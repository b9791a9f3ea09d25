"""Known facts are prefilled from the case (issue 16, item 7): the child's name, reference,
date of birth and age, and the allocated worker, instead of typed again."""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.extensions import db
from app.models import HumanTask
from app.web import known_facts

# Fourteen and a half years ago: 14 whatever day the test runs, and still 14 if a run crosses
# midnight (or New Year) between reading this module and computing the age (a 1 January
# birthday made the age 13 or 15 when it did).
BORN = date.today() - timedelta(days=round(14.5 * 365.25))


def _value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else None


def _start(b, **born) -> object:
    b.get("/start/marp")
    return b.post("/start/marp", {"child_ref": "C-KNOWN", "name": "Kit Known", **born})


def test_the_age_comes_from_the_date_of_birth_given_at_the_start(app, browser):
    b = browser("social_worker")
    started = _start(b, **{"date_of_birth-day": str(BORN.day),
                           "date_of_birth-month": str(BORN.month),
                           "date_of_birth-year": str(BORN.year)})
    assert started.status_code == 302
    task_url = started.headers["Location"].split("?")[0]
    assert _value(b.get(task_url + "?view=all").get_data(as_text=True), "child_age") == "14"
    assert _value(b.get(task_url + "/sections/1").get_data(as_text=True), "child_age") == "14"
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert task.instance.subject["date_of_birth"] == BORN.isoformat()
        db.session.remove()
    # A draft's own answer wins over the fact.
    b.post(task_url + "?view=all", {"action": "draft", "child_age": "15"})
    assert _value(b.get(task_url + "?view=all").get_data(as_text=True), "child_age") == "15"


def test_the_start_page_asks_for_the_date_of_birth_in_uk_order(browser):
    b = browser("social_worker")
    page = b.get("/start/marp").get_data(as_text=True)
    assert all(f'name="date_of_birth-{p}"' in page for p in ("day", "month", "year"))
    refused = _start(b, **{"date_of_birth-day": "31", "date_of_birth-month": "2",
                           "date_of_birth-year": "2015"})
    assert refused.status_code == 422
    assert "Date of birth must be a real date" in refused.get_data(as_text=True)
    assert _start(b).status_code == 302  # it stays optional


class _Case:
    subject = {"name": "Kit Known", "child_ref": "C-1", "date_of_birth": BORN.isoformat()}
    data = {"initiator": "social_worker"}
    allocated_worker = "social_worker"


def test_questions_named_for_a_fact_take_it_when_its_type_fits(app):
    schema = {"properties": {"child_name": {"type": "string"}, "dob": {"type": "string"},
                             "child_age": {"type": "integer"},
                             "allocated_worker": {"type": "string"},
                             "child_ref": {"type": "integer"}}}
    with app.app_context():
        values = known_facts.prefill(schema, _Case(), {"child_name": "Kept"})
    assert values["child_name"] == "Kept"  # an answer already there wins
    assert values["dob"] == BORN.isoformat() and values["child_age"] == 14
    assert values["allocated_worker"]  # the name of the case's allocated social worker
    assert "child_ref" not in values  # a reference is text, not a number
