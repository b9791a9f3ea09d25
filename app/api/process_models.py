"""Process models: list, read, validate and deploy diagrams."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.engine.parsing import BpmnProblems
from app.extensions import db
from app.security import signed_in_user
from app.services import access, deployment
from app.services.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound

blp = ApiBlueprint("process_models", __name__, url_prefix="/api/v1/process-models",
                description="Deployed BPMN process models and their versions")

XML_BODY = {"content": {"application/xml": {"schema": {"type": "string"}}}, "required": True}
ERRORS = {"401": {"description": "Not signed in"}}


def _summary(version) -> dict:
    return {"key": version.key, "name": version.name, "version": version.version,
            "deployed_at": version.deployed_at, "deployed_by": version.deployed_by}


def _xml_body() -> str:
    raw = request.get_data()
    if not raw.strip():
        raise BadRequest("Send the BPMN XML as the request body")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The body must be UTF-8 encoded XML") from None


@blp.route("")
class ProcessModels(MethodView):
    @blp.response(200, schemas.ProcessModel(many=True))
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    def get(self):
        """The latest version of each deployed model."""
        signed_in_user()
        return [_summary(v) for v in deployment.all_latest()]


@blp.route("/validate")
class Validate(MethodView):
    @blp.doc(requestBody=XML_BODY)
    @blp.response(200, schemas.ValidationResult)
    @blp.alt_response(400, schema=schemas.ErrorSchema)
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(403, schema=schemas.ErrorSchema)
    def post(self):
        """Check a diagram without deploying it (process owners only, as deploying is)."""
        user = signed_in_user()
        if not access.owns_processes(user):
            raise Forbidden("Only a process owner may validate diagrams")
        problems = deployment.validate_xml(_xml_body())
        return {"valid": not problems, "errors": [p.as_dict() for p in problems]}


@blp.route("/<string:key>")
class ProcessModelView(MethodView):
    @blp.response(200, schemas.ProcessModelDetail)
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(404, schema=schemas.ErrorSchema)
    def get(self, key):
        """One model, with every version."""
        signed_in_user()
        versions = deployment.versions_of(key)
        if not versions:
            raise NotFound("No such process model")
        detail = _summary(versions[-1])
        detail["versions"] = [
            {"version": v.version, "deployed_at": v.deployed_at, "deployed_by": v.deployed_by,
             "change_note": v.change_note} for v in versions]
        return detail


@blp.route("/<string:key>/bpmn")
class Bpmn(MethodView):
    @blp.arguments(schemas.BpmnQuery, location="query")
    @blp.response(200, content_type="application/xml",
                  description="The diagram's BPMN XML")
    @blp.doc(responses={"200": {"description": "The diagram's BPMN XML",
                                "content": {"application/xml": {"schema": {"type": "string"}}}}})
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(404, schema=schemas.ErrorSchema)
    def get(self, args, key):
        """A version's BPMN XML (the latest unless `version` is given)."""
        signed_in_user()
        version = deployment.get_version(key, args.get("version"))
        if version is None:
            raise NotFound("No such process model or version")
        return Response(version.bpmn_xml, mimetype="application/xml")


@blp.route("/<string:key>/versions")
class Versions(MethodView):
    @blp.arguments(schemas.DeployQuery, location="query")
    @blp.doc(requestBody=XML_BODY)
    @blp.response(201, schemas.DeployResult)
    @blp.alt_response(400, schema=schemas.ErrorSchema)
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(403, schema=schemas.ErrorSchema)
    @blp.alt_response(409, schema=schemas.ErrorSchema)
    @blp.alt_response(422, schema=schemas.ErrorSchema)
    def post(self, args, key):
        """Deploy a diagram as the next version of `key`; nothing is deployed if invalid."""
        user = signed_in_user()
        if not access.owns_processes(user):
            raise Forbidden("Only a process owner may deploy")
        try:
            version, _ = deployment.deploy_xml(_xml_body(), user.username,
                                               change_note=args.get("change_note"),
                                               expected_key=key)
            db.session.commit()
        except BpmnProblems as exc:
            db.session.rollback()
            raise ProblemsInvalid(exc) from None
        except IntegrityError:  # another deploy took the same version number a moment earlier
            db.session.rollback()
            raise Conflict("Someone deployed this model at the same moment; "
                           "check its latest version and deploy again") from None
        return {"key": version.key, "version": version.version}


class ProblemsInvalid(Invalid):
    """422 whose `errors` is the validation list (not a field map), as the contract says."""

    def __init__(self, exc: BpmnProblems):
        super().__init__("The diagram cannot be deployed",
                         [p.as_dict() for p in exc.problems])
