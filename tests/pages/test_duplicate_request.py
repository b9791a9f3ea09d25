"""A second open request of the same pathway for the same child warns first (issue 16,
item 7): the start page says so, links to the open request and offers "Start anyway"."""
from __future__ import annotations

from app.extensions import db
from app.models import ProcessInstance

CHILD = {"child_ref": "C-TWICE", "name": "Toni Twice"}


def _count(app) -> int:
    with app.app_context():
        found = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)
                                  .where(ProcessInstance.child_ref == CHILD["child_ref"]))
        db.session.remove()
        return found


def test_a_second_open_request_for_the_child_warns_first(app, browser):
    b = browser("social_worker")
    b.get("/start/marp")
    assert b.post("/start/marp", CHILD).status_code == 302
    again = b.post("/start/marp", CHILD)
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert 'id="duplicate-warning"' in page
    assert "Toni Twice (C-TWICE) already has an open" in page and "that you started" in page
    assert '<a class="govuk-link" href="/my-work">Go to the open request</a>' in page
    assert ">Start anyway</button>" in page and 'name="child_ref" type="text" value="C-TWICE"' \
        in page.replace('id="child_ref" ', "")
    assert _count(app) == 1  # nothing started yet
    anyway = b.post("/start/marp", {**CHILD, "duplicate": "start"})
    assert anyway.status_code == 302
    assert _count(app) == 2


def test_another_worker_is_warned_too_and_other_children_do_not_warn(app, browser):
    b = browser("social_worker")
    b.get("/start/marp")
    b.post("/start/marp", CHILD)
    assert b.post("/start/marp", {"child_ref": "C-OTHER", "name": "Other"}).status_code == 302
    other = browser("social_worker_2")
    other.get("/start/marp")
    page = other.post("/start/marp", CHILD).get_data(as_text=True)
    assert 'id="duplicate-warning"' in page and "that you started" not in page
    assert "Go to the open request" not in page  # not theirs to follow, nor to see
