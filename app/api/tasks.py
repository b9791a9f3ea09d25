"""User tasks: the inbox, a task with its form, and claim / release / assign / complete."""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView

from app.api import schemas, task_summaries
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.models import TaskStatus
from app.security import signed_in_user
from app.services import forms, progress, rounds, tasks

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="User tasks")


_errors = error_responses(blp)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(schemas.TaskQuery, location="query")
    @blp.response(200, schemas.TaskPage)
    @_errors(401, 422)
    def get(self, args):
        """Ready tasks the caller can act on: mine, claimable, or all (both)."""
        user = signed_in_user()
        return tasks.inbox(user, args["filter"], args["overdue"], args["page"], args["per_page"])


@blp.route("/<string:task_id>")
class TaskView(MethodView):
    @blp.response(200, schemas.TaskDetail)
    @_errors(401, 404)
    def get(self, task_id):
        """A task with its form, prefill data and instructions."""
        task = tasks.get_visible(signed_in_user(), task_id)
        detail = {field.attribute or name: getattr(task, field.attribute or name)
                  for name, field in schemas.TaskSummary().fields.items()}
        detail["form"] = {"schema": forms.task_form(task),
                          "ui_schema": forms.task_form(task, ui=True)}
        if task.status == TaskStatus.READY:
            detail["data"] = rounds.prefill(task)
        else:
            detail["data"] = task.submitted_data or {}
        detail["instructions"] = task.instructions
        return detail


@blp.route("/<string:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, schemas.TaskSummary)
    @_errors(401, 403, 404, 409)
    def post(self, task_id):
        """Take the task; 409 if someone else holds it."""
        task = tasks.claim(signed_in_user(), task_id)
        db.session.commit()
        return task


@blp.route("/<string:task_id>/release")
class Release(MethodView):
    @blp.response(200, schemas.TaskSummary)
    @_errors(401, 403, 404, 409)
    def post(self, task_id):
        """Put the task back in its role's queue (the holder or a manager)."""
        task = tasks.release(signed_in_user(), task_id)
        db.session.commit()
        return task


@blp.route("/<string:task_id>/assign")
class Assign(MethodView):
    @blp.arguments(schemas.AssignRequest)
    @blp.response(200, schemas.TaskSummary)
    @_errors(401, 403, 404, 409, 422)
    def post(self, body, task_id):
        """Give the task to a named user (team manager or above)."""
        task = tasks.assign(signed_in_user(), task_id, body["username"])
        db.session.commit()
        return task


@blp.route("/<string:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(schemas.CompleteRequest)
    @blp.response(200, schemas.CompleteResponse)
    @_errors(401, 403, 404, 409, 422)
    def post(self, body, task_id):
        """Submit the task's form; the pathway moves on."""
        instance, _ = tasks.complete(signed_in_user(), task_id, body["data"])
        db.session.commit()
        # The schema's own dump, but the case's every task (hundreds, in a case tracked for
        # years) as plain rows: see app/api/task_summaries.py.
        reply = _COMPLETED_WITHOUT_TASKS.dump(
            {"instance": instance, "next_tasks": progress.open_tasks(instance)})
        reply["instance"]["tasks"] = task_summaries.for_instance(instance.id)
        return jsonify(reply)


_COMPLETED_WITHOUT_TASKS = schemas.CompleteResponse(exclude=("instance.tasks",))
