"""Connections to case systems, an extension of the contract: outgoing webhooks (an
administrator's configuration, with each delivery's log) and incoming messages that move a
case waiting on a BPMN message event (a case system's service account)."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.models import PersonalData, WebhookEvent
from app.security import signed_in_user
from app.services import access, messages, webhooks
from app.services.errors import Forbidden, Invalid

blp = ApiBlueprint("connections", __name__, url_prefix="/api/v1",
                   description="Connections to case systems: webhooks and messages")
_errors = error_responses(blp)


def _administrator() -> None:
    if not access.can_manage_webhooks(signed_in_user()):
        raise Forbidden("Only an administrator manages connections to case systems")


class WebhookSchema(schemas.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    personal_data = fields.String(required=True, metadata={"enum": list(PersonalData.ALL)})
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class CreatedWebhookSchema(WebhookSchema):
    # The signing secret is shown once, when made (or when given), never read back.
    secret = fields.String(required=True)


class WebhookBody(schemas.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(WebhookEvent.ALL)),
                         required=True, validate=validate.Length(min=1, max=4))
    personal_data = fields.String(load_default=PersonalData.IDS,
                                  validate=validate.OneOf(PersonalData.ALL))
    secret = fields.String(validate=validate.Length(min=16, max=200))
    active = fields.Boolean(load_default=True)


class WebhookChange(schemas.Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    url = fields.String(validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(WebhookEvent.ALL)),
                         validate=validate.Length(min=1, max=4))
    personal_data = fields.String(validate=validate.OneOf(PersonalData.ALL))
    secret = fields.String(validate=validate.Length(min=16, max=200))
    active = fields.Boolean()


class DeliverySchema(schemas.Schema):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    instance_id = fields.String(allow_none=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    response_code = fields.Integer(allow_none=True)
    response_excerpt = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.response(200, WebhookSchema(many=True))
    @_errors(401, 403)
    def get(self):
        """Every webhook subscription (administrators)."""
        _administrator()
        return webhooks.all_subscriptions()

    @blp.arguments(WebhookBody)
    @blp.response(201, CreatedWebhookSchema)
    @_errors(401, 403, 422)
    def post(self, body):
        """Subscribe a receiver (http/https; never a link-local address) to events:
        case.started, step.done, decision.recorded, case.ended. `personal_data` is `ids`
        (the default) or `reference` (adds the child's reference and a decision's
        conditions). Without a `secret` one is made; the answer shows it, once."""
        _administrator()
        subscription = webhooks.create(signed_in_user(), body)
        audit.note("webhook", str(subscription.id), None, detail={
            "created": {k: v for k, v in body.items() if k != "secret"}})
        db.session.commit()
        return subscription


@blp.route("/webhooks/<int:subscription_id>")
class OneWebhook(MethodView):
    @blp.response(200, WebhookSchema)
    @_errors(401, 403, 404)
    def get(self, subscription_id):
        """One subscription."""
        _administrator()
        return webhooks.get(subscription_id)

    @blp.arguments(WebhookChange)
    @blp.response(200, WebhookSchema)
    @_errors(401, 403, 404, 422)
    def patch(self, body, subscription_id):
        """Change a subscription (any of its fields)."""
        _administrator()
        subscription = webhooks.update(subscription_id, body)
        audit.note("webhook", str(subscription_id), None, detail={
            "changed": {k: ("(new secret)" if k == "secret" else v) for k, v in body.items()}})
        db.session.commit()
        return subscription

    @blp.response(204)
    @_errors(401, 403, 404)
    def delete(self, subscription_id):
        """Remove a subscription and its delivery log."""
        _administrator()
        webhooks.delete(subscription_id)
        audit.note("webhook", str(subscription_id), None, detail={"deleted": True})
        db.session.commit()


@blp.route("/webhooks/<int:subscription_id>/deliveries")
class Deliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @_errors(401, 403, 404)
    def get(self, subscription_id):
        """The subscription's delivery log, the latest 100 first: each event's status,
        attempts, next attempt and the receiver's answer (code and its first 500
        characters)."""
        _administrator()
        return webhooks.deliveries(subscription_id)


class MessageBody(schemas.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    correlation = fields.Dict(keys=fields.String(validate=validate.OneOf(
        ("instance_id", "child_ref", "process_key"))), values=fields.String(
        validate=validate.Length(max=120)), required=True)
    payload = fields.Dict(load_default=dict)


class MessageResult(schemas.Schema):
    instance_ids = fields.List(fields.String(), required=True)


@blp.route("/messages")
class Messages(MethodView):
    @blp.arguments(MessageBody)
    @blp.response(200, MessageResult)
    @_errors(401, 403, 404, 409, 422)
    def post(self, body):
        """A case system's message (a case_system service account): `name` is the BPMN
        message a case waits for (e.g. "court order received"); `correlation` names the case
        by `instance_id`, or by `child_ref` and `process_key`; `payload` goes into the case's
        data as the catch event's messageVariable. 404 no open case matches; 409 none of
        them waits for that message."""
        user = signed_in_user()
        if len(repr(body["payload"])) > messages.MAX_PAYLOAD_BYTES:
            raise Invalid("The payload is too large", {"payload": ["At most 64 KB"]})
        moved = messages.receive(user, body["name"], body["correlation"], body["payload"])
        for instance_id in moved:
            audit.note("instance", instance_id, None, detail={"message": body["name"]})
        return {"instance_ids": moved}
