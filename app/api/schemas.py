"""Marshmallow schemas: the JSON shapes of the API contract (and its OpenAPI document)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.services import allocation

# Integers a client may send are bounded so that they fit every database column.
MAX_INT = 2**31 - 1


class Schema(ma.Schema):
    class Meta:
        ordered = True


class ErrorSchema(Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    # A field map ({"field": ["message"]}), or for diagram deploys a list of problems.
    errors = fields.Raw()


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class Me(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_INT))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class VersionSummary(Schema):
    version = fields.Integer(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(required=True)
    change_note = fields.String(allow_none=True)


class ProcessModel(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(required=True)


class ProcessModelDetail(ProcessModel):
    versions = fields.List(fields.Nested(VersionSummary), required=True)


class BpmnQuery(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))


class DeployQuery(Schema):
    change_note = fields.String(validate=validate.Length(max=2000))


class Problem(Schema):
    message = fields.String(required=True)
    element_id = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)


class ValidationResult(Schema):
    valid = fields.Boolean(required=True)
    errors = fields.List(fields.Nested(Problem), required=True)


class DeployResult(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)


class Subject(Schema):
    class Meta:
        unknown = ma.INCLUDE

    child_ref = fields.String(validate=validate.Length(max=80))
    name = fields.String(validate=validate.Length(max=200))


class InstanceStart(Schema):
    process_model = fields.String(required=True, validate=validate.Length(min=1, max=120))
    subject = fields.Nested(Subject, load_default=dict)
    data = fields.Dict(keys=fields.String(), load_default=dict)
    # The child's social worker (username): a social worker in the starter's team. Left out,
    # the starter if they are a social worker, else nobody until the team manager allocates.
    allocated_worker = fields.String(validate=validate.Length(min=1, max=80))


def _allocated(instance) -> dict | None:
    username = getattr(instance, "allocated_worker", None)
    if not username:
        return None
    return {"username": username, "name": allocation.name_of(username)}


class TaskSummary(Schema):
    id = fields.String(required=True)
    instance_id = fields.String(required=True)
    process_model = fields.String(required=True, attribute="process_key")
    name = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True)
    due_rule = fields.String(allow_none=True)
    subject = fields.Dict(required=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class Form(Schema):
    schema = fields.Dict(required=True)
    ui_schema = fields.Dict(required=True)


class TaskDetail(TaskSummary):
    form = fields.Nested(Form, required=True)
    data = fields.Dict(required=True)
    instructions = fields.String(allow_none=True)


class Listing(Schema):
    """The meeting a case is listed for and waiting on."""

    meeting_id = fields.String(required=True)
    starts_at = fields.DateTime(required=True)


class Instance(Schema):
    id = fields.String(required=True)
    process_model = fields.String(required=True, attribute="process_key")
    version = fields.Integer(required=True, attribute="model_version.version")
    status = fields.String(required=True)
    subject = fields.Dict(required=True)
    data = fields.Dict(required=True)
    started_at = fields.DateTime(required=True)
    started_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)
    error_message = fields.String(allow_none=True)
    team = fields.String(allow_none=True)  # the team and service the case belongs to
    service = fields.String(allow_none=True)
    # The child's allocated social worker, {"username", "name"}, or null while unallocated.
    allocated_worker = fields.Function(_allocated, allow_none=True)
    tasks = fields.List(fields.Nested(TaskSummary), required=True)
    listing = fields.Nested(Listing, allow_none=True)  # set on a single instance's read


class InstanceQuery(PageQuery):
    process_model = fields.String()
    status = fields.String(validate=validate.OneOf(
        ["running", "waiting", "completed", "suspended", "terminated", "error"]))
    child_ref = fields.String()
    overdue = fields.Boolean(load_default=False)
    team = fields.String()


class InstancePage(Schema):
    items = fields.List(fields.Nested(Instance), required=True)
    total = fields.Integer(required=True)


class HistoryEntry(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(allow_none=True)
    event = fields.String(required=True)
    task_id = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class ReasonBody(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class TeamBody(Schema):
    team = fields.String(required=True, validate=validate.Length(min=1, max=80))


class AllocatedWorkerBody(Schema):
    allocated_worker = fields.String(required=True, validate=validate.Length(min=1, max=80))


class TaskQuery(PageQuery):
    filter = fields.String(load_default="all",
                           validate=validate.OneOf(["mine", "claimable", "all"]))
    overdue = fields.Boolean(load_default=False)


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskSummary), required=True)
    total = fields.Integer(required=True)


class CompleteRequest(Schema):
    data = fields.Dict(keys=fields.String(), required=True)


class CompleteResponse(Schema):
    instance = fields.Nested(Instance, required=True)
    next_tasks = fields.List(fields.Nested(TaskSummary), required=True)


class AssignRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
