"""The audit trail, for the auditor role: who viewed or changed which child's records."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.api.paging import paginate
from app.extensions import db
from app.models import AuditEvent
from app.security import signed_in_user
from app.services.errors import Forbidden

blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit-events",
                description="Audit trail of views and changes (role auditor)")
_errors = error_responses(blp)


class AuditQuery(schemas.PageQuery):
    actor = fields.String()
    child_ref = fields.String()
    object_id = fields.String()
    action = fields.String(validate=ma.validate.OneOf(["view", "change", "refused"]))
    since = fields.DateTime()
    until = fields.DateTime()


class AuditEntry(schemas.Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(allow_none=True)
    child_ref = fields.String(allow_none=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    address = fields.String(allow_none=True)
    status = fields.Integer(allow_none=True)


class AuditPage(schemas.Schema):
    items = fields.List(fields.Nested(AuditEntry), required=True)
    total = fields.Integer(required=True)


@blp.route("")
class AuditEvents(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPage)
    @_errors(401, 403, 422)
    def get(self, args):
        """Search the trail, newest first."""
        if "auditor" not in signed_in_user().role_keys:
            raise Forbidden("Only an auditor may read the audit trail")
        query = db.select(AuditEvent)
        for name in ("actor", "child_ref", "object_id", "action"):
            if args.get(name):
                query = query.where(getattr(AuditEvent, name) == args[name])
        if args.get("since"):
            query = query.where(AuditEvent.at >= args["since"])
        if args.get("until"):
            query = query.where(AuditEvent.at <= args["until"])
        return paginate(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
                        args["page"], args["per_page"])
