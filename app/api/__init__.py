"""The JSON API (v1): flask-smorest blueprints; its OpenAPI document is generated."""
from __future__ import annotations

from flask import Flask, request

from app.api import (
    absences,
    audit,
    auth,
    case_changes,
    connections,
    documents,
    instances,
    panels,
    people,
    process_models,
    retention,
    tasks,
    team_updates,
)
from app.api.errors import PanelflowApi, handle_service_error
from app.api.openapi import MalformedBodyPlugin
from app.security import signed_in_user
from app.services.errors import ServiceError

api = PanelflowApi()
PUBLIC_PATHS = frozenset({"/api/v1/auth/token", "/api/v1/openapi.json"})


def _authenticate_api_calls() -> None:
    """Sign-in is checked before any argument parsing: a stranger learns nothing, not even
    which fields a body needs (401 comes before 422)."""
    if request.path.startswith("/api/v1/") and request.path not in PUBLIC_PATHS:
        signed_in_user()


def init_app(app: Flask) -> None:
    api.init_app(app, spec_kwargs={
        "info": {"description": "Panelflow: children's social care panels as BPMN workflows."},
        "extra_plugins": [MalformedBodyPlugin()],
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for module in (auth, process_models, instances, tasks, panels, documents, audit, people,
                   case_changes, absences, retention, team_updates, connections):
        api.register_blueprint(module.blp)
    app.register_error_handler(ServiceError, handle_service_error)
    app.before_request(_authenticate_api_calls)
