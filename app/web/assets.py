"""GOV.UK Frontend served from node_modules (installed from the npm registry; no CDN)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

from app.config import ROOT

GOVUK_DIST = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
BPMN_JS_DIST = ROOT / "node_modules" / "bpmn-js" / "dist"
BPMN_JS_FILES = frozenset({"bpmn-viewer.production.min.js", "assets/bpmn-js.css",
                           "assets/diagram-js.css"})
bp = Blueprint("assets", __name__)


@bp.get("/assets/bpmn-js/<path:filename>")
def bpmn_js(filename: str):
    """The bpmn-js viewer (npm registry, bpmn.io licence: its watermark stays)."""
    if filename not in BPMN_JS_FILES:
        abort(404)
    return send_from_directory(BPMN_JS_DIST, filename, max_age=3600)


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    # GDS Transport is licensed for GOV.UK services only; without it the CSS falls back to
    # Arial, which is what a council's own service should use.
    if filename.startswith("fonts/"):
        abort(404)
    if filename in ("govuk-frontend.min.css", "govuk-frontend.min.js"):
        return send_from_directory(GOVUK_DIST, filename, max_age=3600)
    return send_from_directory(Path(GOVUK_DIST / "assets"), filename, max_age=3600)
