"""The managers' "drift and delay" dashboard; every figure links to the cases behind it."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.services import dashboard
from app.web.case_pages import _reader
from app.web.sessions import page_login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@page_login_required
def index():
    user = _reader()
    data = dashboard.figures(user)
    widest = max([f["in_flight"] for f in data["forums"]] + [1])
    return render_template("web/dashboard.html", data=data, widest=widest)
