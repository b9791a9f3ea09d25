"""Browser pages. The practitioner inbox arrives with its own issue; for now the API docs."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

from app.api import api

bp = Blueprint("web", __name__)


@bp.get("/api/docs")
def api_docs():
    """A readable list of every operation, generated from the OpenAPI document (no CDN)."""
    spec = api.spec.to_dict()
    return render_template("api_docs.html", spec=spec)


@bp.get("/")
def home():
    return render_template("home.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
