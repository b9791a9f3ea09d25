"""Refuse oversized or over-nested bodies, and text containing the NUL character, before any
view sees them.

A body larger than MAX_CONTENT_LENGTH is refused with 413 before it is read, and a JSON body
nested deeper than MAX_JSON_DEPTH with 400, both before sign-in is checked: neither costs the
server more than reading the limit, whoever sends it. Python's JSON parser recurses, so a body
nested 100,000 deep would otherwise raise RecursionError (a 500) in whatever parses it first.

PostgreSQL text and JSON cannot hold U+0000, so such input would otherwise fail deep inside a
query as a 500. No real child's name, note or reference contains it, so it is refused with a
422 naming each offending field, on the API and on the pages alike.
"""
from __future__ import annotations

import json

from flask import Flask, abort, current_app, render_template, request

from app.api.errors import error_body
from app.engine.form_schema import json_depth
from app.services.documents import too_large_message

MESSAGE = "must not contain the NUL character"
# No form, diagram or API body of ours comes near this; form schemas are the deepest.
MAX_JSON_DEPTH = 64
# Routes that take an uploaded document (the API's and the task page's multipart form) have
# the document limit instead, plus room for the form's other answers; every other route
# keeps MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = frozenset({"process_instances.Documents", "task_pages.submit"})
UPLOAD_ROOM = 1024 * 1024


def _limit_body() -> None:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    message = f"The request body is larger than the limit of {limit:,} bytes" if limit else ""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        limit = current_app.config["DOCUMENT_MAX_BYTES"] + UPLOAD_ROOM
        request.max_content_length = limit  # werkzeug stops reading the form there too
        message = too_large_message()
    if limit and (request.content_length or 0) > limit:
        abort(413, message)
    if not request.is_json:
        return
    try:  # werkzeug also stops reading a body without a length at the limit (413)
        too_deep = json_depth(json.loads(request.get_data(cache=True))) > MAX_JSON_DEPTH
    except RecursionError:
        too_deep = True
    except ValueError:
        return  # not JSON: whoever reads it says so (after sign-in, as before)
    if too_deep:
        abort(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep")


def _nul_paths(value, path: str) -> list[str]:
    if isinstance(value, str):
        return [path or "_request"] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            label = f"{path}.{key}" if path else str(key)
            found += [label] if "\x00" in str(key) else []
            found += _nul_paths(inner, label)
        return found
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in _nul_paths(inner, f"{path}.{i}")]
    return []


def offending_fields() -> list[str]:
    found = _nul_paths(request.view_args or {}, "")
    for source in (request.args, request.form):
        for key in source:
            found += _nul_paths({key: source.getlist(key)}, "")
    if request.is_json:
        found += _nul_paths(request.get_json(silent=True), "")
    return sorted({field.rsplit(".", 1)[0] if field.rsplit(".", 1)[-1].isdigit() else field
                   for field in found})


def _refuse_nul() -> None:
    fields = offending_fields()
    if not fields:
        return None
    if request.path.startswith("/api/"):
        return error_body(422, "The request has invalid fields",
                          {field: [MESSAGE] for field in fields}), 422
    description = f"Your answers {MESSAGE}. Go back, remove it and try again."
    return render_template("web/error.html", code=422, description=description), 422


def init_limits(app: Flask) -> None:
    """Registered before anything else that runs before a request, sign-in included."""
    app.before_request(_limit_body)


def init_app(app: Flask) -> None:
    # Registered after the API sign-in check and CSRF, so a stranger still gets 401 first.
    app.before_request(_refuse_nul)
