"""Refuse text containing the NUL character before any view sees it.

PostgreSQL text and JSON cannot hold U+0000, so such input would otherwise fail deep inside a
query as a 500. No real child's name, note or reference contains it, so it is refused with a
422 naming each offending field, on the API and on the pages alike.
"""
from __future__ import annotations

from flask import Flask, render_template, request

from app.api.errors import error_body

MESSAGE = "must not contain the NUL character"


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


def init_app(app: Flask) -> None:
    # Registered after the API sign-in check and CSRF, so a stranger still gets 401 first.
    app.before_request(_refuse_nul)
