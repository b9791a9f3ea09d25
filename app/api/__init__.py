"""The JSON API (v1): flask-smorest blueprints; its OpenAPI document is generated."""
from __future__ import annotations

from flask import Flask

from app.api import auth, instances, process_models, tasks
from app.api.errors import PanelflowApi, handle_service_error
from app.services.errors import ServiceError

api = PanelflowApi()


def init_app(app: Flask) -> None:
    api.init_app(app, spec_kwargs={
        "info": {"description": "Panelflow: children's social care panels as BPMN workflows."},
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for module in (auth, process_models, instances, tasks):
        api.register_blueprint(module.blp)
    app.register_error_handler(ServiceError, handle_service_error)
