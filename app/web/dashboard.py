"""The managers' "drift and delay" dashboard; every figure links to the cases behind it."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template

from app.services import dashboard, deployment
from app.web.case_pages import _reader
from app.web.sessions import page_login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@page_login_required
def index():
    user = _reader()
    data = dashboard.figures(user)
    widest = max([f["in_flight"] for f in data["forums"]] + [1])
    return render_template("web/dashboard.html", data=data, widest=widest,
                           no_team=dashboard.NO_TEAM)


def _version(key: str):
    version = deployment.latest_version(key)
    if version is None:
        abort(404)
    return version


@bp.get("/dashboard/<key>")
@page_login_required
def heatmap(key: str):
    user = _reader()
    version = _version(key)
    return render_template("web/heatmap.html", version=version,
                           steps=sorted(dashboard.heatmap(user, key).items()))


@bp.get("/dashboard/<key>/diagram.bpmn")
@page_login_required
def heatmap_xml(key: str):
    _reader()
    return Response(_version(key).bpmn_xml, mimetype="application/xml")


@bp.get("/dashboard/<key>/heatmap.json")
@page_login_required
def heatmap_json(key: str):
    user = _reader()
    _version(key)
    return jsonify(dashboard.heatmap(user, key))
