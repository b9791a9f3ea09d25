"""Signing in for API clients."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import fields

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.extensions import db
from app.security import signed_in_user
from app.services import auth, reminders
from app.services.errors import Forbidden, Unauthorised

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1", description="Authentication")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.doc(security=[])  # the one operation a client calls before it has a token
    @blp.arguments(schemas.TokenRequest)
    @blp.response(200, schemas.TokenResponse)
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(403, schema=schemas.ErrorSchema)
    def post(self, body):
        """Exchange a username and password for a bearer token (403 where password sign-in
        is turned off: PANELFLOW_PASSWORD_LOGIN=0)."""
        if not current_app.config["PASSWORD_LOGIN"]:
            raise Forbidden("Password sign-in is turned off")
        user = auth.authenticate(body["username"], body["password"])
        if user is None:
            raise Unauthorised("Wrong username or password")
        token, expires_at = auth.issue_token(user)
        db.session.commit()
        return {"token": token, "expires_at": expires_at}


class NotificationSchema(schemas.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": [
        "due_soon", "overdue", "escalation", "chase", "meeting_changed", "assigned", "queued",
        "decision"]})
    message = fields.String(required=True)
    task_id = fields.String(allow_none=True)  # none when it is about a meeting
    instance_id = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.response(200, NotificationSchema(many=True))
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    def get(self):
        """The caller's notices (new work, reminders, escalations), newest first (the last 100)."""
        return reminders.for_user(signed_in_user().username)


@blp.route("/me")
class MeView(MethodView):
    @blp.response(200, schemas.Me)
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    def get(self):
        """The signed-in user and their roles."""
        user = signed_in_user()
        return {"username": user.username, "display_name": user.display_name,
                "roles": sorted(user.role_keys)}
