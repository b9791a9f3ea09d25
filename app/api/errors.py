"""Every error the API returns has one shape: {"code", "message", "errors"?}."""
from __future__ import annotations

from flask import render_template, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from app.api.schemas import ErrorSchema
from app.extensions import db
from app.services.errors import ServiceError


def _flatten(messages) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}); clients want fields."""
    if not isinstance(messages, dict):
        return {"_request": [str(messages)]}
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_request", []).extend(value)
        else:
            flat.setdefault(prefix or "_request", []).append(str(value))

    for location, fields in messages.items():
        if location in ("json", "query", "form", "view_args", "files", "headers"):
            walk("", fields)
        else:
            walk(str(location), fields)
    return flat


def error_body(code: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


class PanelflowApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all `default` response: each operation documents exactly the codes it returns,
    # so the fuzz test can tell an undocumented status from a documented one.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api/"):
            return error
        data = getattr(error, "data", None) or {}
        errors = data.get("errors")
        if errors is None and "messages" in data:
            errors = _flatten(data["messages"])
        message = data.get("message") or error.description or error.name
        if error.code == 422 and errors and message == error.description:
            message = "The request has invalid fields"
        return error_body(error.code, message, errors), error.code, data.get("headers", {})


def handle_service_error(error: ServiceError):
    if getattr(error, "commit", False):
        db.session.commit()
    else:
        db.session.rollback()
    if not request.path.startswith("/api/"):
        return render_template("web/error.html", code=error.status,
                               description=error.message), error.status
    return error_body(error.status, error.message, error.errors), error.status


def error_responses(blueprint):
    """A decorator factory documenting error responses: `@_errors(401, 404)`."""
    def documented(*codes):
        def decorate(view):
            for code in codes:
                view = blueprint.alt_response(code, schema=ErrorSchema)(view)
            return view
        return decorate
    return documented
