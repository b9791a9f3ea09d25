"""Messages from case systems: a diagram waits on the outside world with a BPMN message catch
event (say "court order received"), and the council's case system, through its middleware,
sends `POST /api/v1/messages` naming the message and the case, by its id or by the child's
reference and the pathway. The case moves on as if a step had been done, in one transaction
under the case's lock, its history saying which message came and who sent it.

Who may send: a service account with the case_system role (access.can_send_messages). It
reaches any open case but reads nothing of it: the answer is only which cases moved.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from app.engine import workflows
from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, User
from app.services import access, history, instances, progress
from app.services.errors import Conflict, Forbidden, Invalid, NotFound

MAX_PAYLOAD_BYTES = 64 * 1024


def _candidates(correlation: dict[str, Any]) -> list[str]:
    query = db.select(ProcessInstance.id).where(
        ProcessInstance.status.in_(InstanceStatus.OPEN))
    if correlation.get("instance_id"):
        query = query.where(ProcessInstance.id == str(correlation["instance_id"]))
    elif correlation.get("child_ref") and correlation.get("process_key"):
        query = query.where(ProcessInstance.child_ref == str(correlation["child_ref"]),
                            ProcessInstance.process_key == str(correlation["process_key"]))
    else:
        raise Invalid("Say which case", {"correlation": [
            "Give instance_id, or child_ref and process_key"]})
    return list(db.session.scalars(query.order_by(ProcessInstance.started_at)))


def receive(user: User, name: str, correlation: dict[str, Any], payload: Any) -> list[str]:
    """Deliver message `name` to each open case the correlation names that waits for it;
    returns their ids. 403 not a case system, 404 no open case, 409 none waits for it."""
    if not user.active or not access.can_send_messages(user):
        raise Forbidden("Only a case system's account may send messages")
    found = _candidates(correlation)
    if not found:
        raise NotFound("No open case matches the correlation")
    moved = []
    for instance_id in found:
        instance = progress.lock(instance_id, for_step=True)
        if instance is None or instance.status not in InstanceStatus.OPEN:
            db.session.rollback()
            continue
        workflow, model = progress.load(instance)
        if name not in workflows.waiting_messages(workflow):
            db.session.rollback()
            continue
        history.record(instance.id, "message_received", user.username,
                       detail={"message": name})
        try:
            workflows.deliver_message(workflow, name, payload)
        except workflows.EngineError as exc:
            raise instances.mark_error(instance.id, user.username, str(exc),
                                       {"message": name}) from None
        progress.save(instance, workflow, model, user.username)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            raise Conflict("The case changed at the same moment; send the message again"
                           ) from None
        moved.append(instance_id)
    if not moved:
        raise Conflict(f"No matching case is waiting for the message {name!r}")
    return moved
