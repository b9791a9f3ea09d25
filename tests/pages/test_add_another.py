"""Repeating items use GOV.UK's "add another" (issue 16, item 7): without JavaScript, an
"Add another" button draws the page again with one more row, and Remove takes one away,
keeping what was typed as the draft."""
from __future__ import annotations

from app.extensions import db
from app.models import HumanTask


def _task_with_rows(app, b) -> str:
    """A MARP request drawn with the weekly new-children form: a list of children to add."""
    b.get("/start/marp")
    task_url = b.post("/start/marp", {"child_ref": "C-ROWS", "name": "Robin Rows"}
                      ).headers["Location"].split("?")[0]
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        task.form_schema_file = "ctmp_new_cla/notify.schema.json"
        task.form_ui_schema_file = "ctmp_new_cla/notify.uischema.json"
        db.session.commit()
        db.session.remove()
    return task_url


def test_add_another_and_remove_work_without_javascript(app, browser):
    b = browser("social_worker")
    task_url = _task_with_rows(app, b)
    page = b.get(task_url).get_data(as_text=True)
    assert 'value="add:new_children"' in page and 'name="new_children.1.child_ref"' not in page
    more = b.post(task_url, {"action": "add:new_children", "new_children-rows": "1",
                             "new_children.0.child_ref": "C-1"})
    assert more.status_code == 200
    page = more.get_data(as_text=True)
    assert 'name="new_children.1.child_ref"' in page
    assert 'value="C-1"' in page  # what was typed stays ...
    with app.app_context():  # ... and is kept as the draft
        assert db.session.get(HumanTask, task_url.rsplit("/", 1)[1]).draft_data == {
            "new_children": [{"child_ref": "C-1"}]}
    fewer = b.post(task_url, {"action": "remove:new_children.0", "new_children-rows": "2",
                              "new_children.0.child_ref": "C-1",
                              "new_children.1.child_ref": "C-2"})
    page = fewer.get_data(as_text=True)
    assert 'value="C-2"' in page and 'value="C-1"' not in page
    assert 'name="new_children.1.child_ref"' not in page
