"""Process instances: start, list, read, history, and manager controls."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.api.paging import paginate
from app.extensions import db
from app.security import signed_in_user
from app.services import history, instances, letters, panels

blp = ApiBlueprint("process_instances", __name__, url_prefix="/api/v1/process-instances",
                description="Running and finished pathways")


_errors = error_responses(blp)


@blp.route("")
class Instances(MethodView):
    @blp.arguments(schemas.InstanceQuery, location="query")
    @blp.response(200, schemas.InstancePage)
    @_errors(401, 422)
    def get(self, args):
        """Instances the caller may see, newest first."""
        user = signed_in_user()
        query = instances.query_visible(
            user, args.get("process_model"), args.get("status"), args.get("child_ref"),
            args["overdue"], args.get("team"))
        page = paginate(query, args["page"], args["per_page"])
        for instance in page["items"]:  # a list shows each child's name and data
            audit.note("instance", instance.id, instance.child_ref)
        return page

    @blp.arguments(schemas.InstanceStart)
    @blp.response(201, schemas.Instance)
    @_errors(400, 401, 403, 422)
    def post(self, body):
        """Start a pathway; the caller needs the role of the start event's lane."""
        user = signed_in_user()
        instance = instances.start(user, body["process_model"], body["subject"], body["data"])
        db.session.commit()
        return instance


@blp.route("/<string:instance_id>")
class InstanceView(MethodView):
    @blp.response(200, schemas.Instance)
    @_errors(401, 404)
    def get(self, instance_id):
        """One instance with its tasks, ready and completed, and its panel listing."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        item = panels.current_listing(instance.id)
        instance.listing = (None if item is None else
                            {"meeting_id": item.meeting_id, "starts_at": item.meeting.starts_at})
        return instance


class DocumentSummary(schemas.Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    filename = fields.String(required=True)
    created_at = fields.DateTime(required=True)


@blp.route("/<string:instance_id>/documents")
class Documents(MethodView):
    @blp.response(200, DocumentSummary(many=True))
    @_errors(401, 404)
    def get(self, instance_id):
        """Documents kept with the case, such as decision letters (PDF)."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        return letters.for_instance(instance.id)


@blp.route("/<string:instance_id>/history")
class History(MethodView):
    @blp.response(200, schemas.HistoryEntry(many=True))
    @_errors(401, 404)
    def get(self, instance_id):
        """Who did what and when, oldest first."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        return history.for_instance(instance.id)


def _control(action):
    @blp.arguments(schemas.ReasonBody, required=False)
    @blp.response(200, schemas.Instance)
    @_errors(401, 403, 404, 409)
    def post(self, body, instance_id):
        user = signed_in_user()
        if action in (instances.resume, instances.retry):
            instance = action(user, instance_id)
        else:
            instance = action(user, instance_id, (body or {}).get("reason"))
        db.session.commit()
        return instance
    post.__doc__ = f"{action.__name__.capitalize()} an instance (manager or process owner)."
    return post


@blp.route("/<string:instance_id>/suspend")
class Suspend(MethodView):
    post = _control(instances.suspend)


@blp.route("/<string:instance_id>/resume")
class Resume(MethodView):
    post = _control(instances.resume)


@blp.route("/<string:instance_id>/terminate")
class Terminate(MethodView):
    post = _control(instances.terminate)


@blp.route("/<string:instance_id>/team")
class Team(MethodView):
    @blp.arguments(schemas.TeamBody)
    @blp.response(200, schemas.Instance)
    @_errors(401, 403, 404, 409, 422)
    def post(self, body, instance_id):
        """Hand the case to another team (team manager or above); recorded in its history."""
        instance = instances.change_team(signed_in_user(), instance_id, body["team"])
        db.session.commit()
        return instance


@blp.route("/<string:instance_id>/retry")
class Retry(MethodView):
    post = _control(instances.retry)
