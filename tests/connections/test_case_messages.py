"""Issue 20 part 4, messages from case systems: a diagram waits on the outside world with a
BPMN message catch event ("court order received"); the council's case system, through its
service account (the case_system role), sends `POST /api/v1/messages` naming the message and
the case, and the waiting case moves on with the message's payload in its data. 404 when no
open case matches, 409 when none waits for that message, 403 for anyone else.

The diagram is test-only (deployed here): a request, then waiting for the court's order,
then the team manager's review of it.
"""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import HistoryEvent, Role
from tests.diagrams import HEADER, user_task
from tests.factories import make_user
from tests.helpers import deploy, start

KEY = "court_wait"
NOTE = "test/note.schema.json"
DIAGRAM = HEADER + (
    '<bpmn:message id="msg_court" name="court order received"/>'
    f'<bpmn:process id="{KEY}" name="Test court wait" isExecutable="true">'
    '<bpmn:laneSet id="lanes">'
    '<bpmn:lane id="lane_sw" name="Social Worker"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>'
    "<bpmn:flowNodeRef>first</bpmn:flowNodeRef><bpmn:flowNodeRef>court</bpmn:flowNodeRef>"
    "</bpmn:lane>"
    '<bpmn:lane id="lane_tm" name="Team Manager"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
    "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    + user_task("first", "Apply to court", NOTE,
                '<spiffworkflow:property name="assignTo" value="initiator"/>',
                "<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:outgoing>f2</bpmn:outgoing>")
    + '<bpmn:intermediateCatchEvent id="court" name="Court order received">'
    "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>"
    '<bpmn:messageEventDefinition id="court_def" messageRef="msg_court">'
    "<bpmn:extensionElements>"
    "<spiffworkflow:messageVariable>court_order</spiffworkflow:messageVariable>"
    "</bpmn:extensionElements></bpmn:messageEventDefinition>"
    "</bpmn:intermediateCatchEvent>"
    + user_task("review", "Review the court order", NOTE, "",
                "<bpmn:incoming>f3</bpmn:incoming>", "<bpmn:outgoing>f4</bpmn:outgoing>")
    + '<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="court"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="court" targetRef="review"/>'
    '<bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end"/>'
    "</bpmn:process></bpmn:definitions>")
ORDER = {"order": "interim care order", "made_on": "2026-11-24"}


@pytest.fixture
def case_system(app, as_user):
    """The case system's service account, as an administrator would make it."""
    with app.app_context():
        if db.session.get(Role, "case_system") is None:
            db.session.add(Role(key="case_system", name="Case system (sends messages)"))
        make_user("mosaic_link", ["case_system"])
        db.session.commit()
    return as_user("mosaic_link")


@pytest.fixture
def waiting(app, as_user):
    deploy(app, DIAGRAM)
    worker = as_user("social_worker")
    case = start(worker, KEY, child_ref="C-9501", data={})
    [first] = [t for t in case["tasks"] if t["name"] == "first"]
    done = worker.post(f"/api/v1/tasks/{first['id']}/complete",
                       json={"data": {"outcome": "finish"}})
    assert done.status_code == 200, done.json
    assert done.json["instance"]["status"] == "waiting"
    return case["id"]


def _send(client, name: str, correlation: dict, payload: dict | None = None):
    return client.post("/api/v1/messages", json={
        "name": name, "correlation": correlation, "payload": payload or ORDER})


def test_a_case_systems_message_moves_the_waiting_case_on(app, as_user, case_system, waiting):
    sent = _send(case_system, "court order received", {"instance_id": waiting})
    assert sent.status_code == 200, sent.json
    assert sent.json == {"instance_ids": [waiting]}
    case = as_user("social_worker").get(f"/api/v1/process-instances/{waiting}").json
    assert case["status"] == "running"
    assert [t["name"] for t in case["tasks"] if t["status"] == "ready"] == ["review"]
    assert case["data"]["court_order"] == ORDER
    with app.app_context():
        [event] = db.session.scalars(db.select(HistoryEvent).where(
            HistoryEvent.instance_id == waiting, HistoryEvent.event == "message_received"))
        assert (event.actor, event.detail) == ("mosaic_link", {"message": "court order received"})

    again = _send(case_system, "court order received", {"instance_id": waiting})
    assert again.status_code == 409, "it no longer waits for the order"


def test_a_message_finds_the_case_by_the_childs_reference_and_pathway(
        as_user, case_system, waiting):
    sent = _send(case_system, "court order received",
                 {"child_ref": "C-9501", "process_key": KEY})
    assert sent.status_code == 200 and sent.json["instance_ids"] == [waiting]


def test_messages_no_case_waits_for_are_refused(case_system, waiting):
    assert _send(case_system, "placement ended", {"instance_id": waiting}).status_code == 409
    assert _send(case_system, "court order received",
                 {"instance_id": "0" * 32}).status_code == 404
    assert _send(case_system, "court order received",
                 {"child_ref": "C-0000", "process_key": KEY}).status_code == 404
    missing = _send(case_system, "court order received", {"child_ref": "C-9501"})
    assert missing.status_code == 422 and "correlation" in missing.json["errors"]


def test_only_a_case_systems_account_may_send(as_user, waiting):
    for role in ("social_worker", "manager", "administrator"):
        refused = _send(as_user(role), "court order received", {"instance_id": waiting})
        assert refused.status_code == 403, role
    assert as_user(None).post("/api/v1/messages", json={}).status_code == 401
