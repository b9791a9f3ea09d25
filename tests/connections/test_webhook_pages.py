"""Issue 20 part 4: an administrator manages webhooks from the menu's Webhooks pages: add one
(its secret shown once), read its delivery log with the receiver's answers, change it, and
delete it after a confirmation page. Every change is in the audit trail."""
from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEvent, WebhookSubscription
from tests.connections.receiver import receiver  # noqa: F401 - the fixture
from tests.pages.conftest import browser  # noqa: F401 - the fixture
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_an_administrator_adds_reads_changes_and_deletes_a_webhook(
        app, browser, as_user, traveller, receiver):  # noqa: F811 - the fixtures
    admin = browser("administrator")
    assert 'href="/admin/webhooks"' in admin.get("/").get_data(as_text=True), "in the menu"
    refused = admin.post("/admin/webhooks/new", {"name": "Mosaic",
                                                 "url": "http://169.254.169.254/latest"})
    assert refused.status_code == 422
    page = _text(refused)
    assert "There is a problem" in page and "link-local" in page and "Choose one or more" in page

    made = admin.post("/admin/webhooks/new", {"name": "Mosaic", "url": receiver.url,
                                              "events": ["case.started", "decision.recorded"],
                                              "personal_data": "ids"})
    assert made.status_code == 200 and "Mosaic has been added" in _text(made)
    with app.app_context():
        subscription = db.session.scalar(db.select(WebhookSubscription))
        secret, hook_id = subscription.secret, subscription.id
    assert secret in made.get_data(as_text=True), "the secret is shown once, to pass on"
    assert secret not in admin.get(f"/admin/webhooks/{hook_id}").get_data(as_text=True)

    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": "C-9601", "name": "Page Hook"})
    receiver.statuses_for[walk.id] = [500]
    assert app.test_cli_runner().invoke(args=["run-due"]).exit_code == 0
    log = _text(admin.get(f"/admin/webhooks/{hook_id}"))
    assert "Delivery log" in log and "A case starts" in log
    assert "500: receiver down for maintenance" in log and "Pending" in log

    changed = admin.post(f"/admin/webhooks/{hook_id}/change", {
        "name": "Mosaic (test)", "url": receiver.url, "events": ["case.ended"],
        "personal_data": "reference", "active": "no"})
    assert changed.status_code == 302
    shown = _text(admin.get(f"/admin/webhooks/{hook_id}"))
    assert "Mosaic (test)" in shown and "A case ends" in shown and "Paused" in shown
    assert "reference and a decision" in shown

    confirm = _text(admin.get(f"/admin/webhooks/{hook_id}/delete"))
    assert "Delete Mosaic (test)?" in confirm and "delivery log is deleted" in confirm
    deleted = admin.post(f"/admin/webhooks/{hook_id}/delete")
    assert deleted.status_code == 302
    assert "There are no webhooks yet" in _text(admin.get("/admin/webhooks"))
    with app.app_context():  # the audit trail outlives tests: this receiver's entries only
        changes = [e.detail for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "webhook", AuditEvent.object_id == str(hook_id),
            AuditEvent.action == "change").order_by(AuditEvent.id))
            if receiver.url in str(e.detail) or e.detail == {"deleted": "Mosaic (test)"}]
    assert [next(iter(d)) for d in changes] == ["created", "changed", "deleted"], \
        "added, changed and deleted are audited"
    assert browser("manager").get("/admin/webhooks").status_code == 403
