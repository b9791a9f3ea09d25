"""GOV.UK Frontend served from node_modules (installed from the npm registry; no CDN)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

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


FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


@lru_cache(maxsize=1)
def _css_without_fonts(mtime: float) -> str:
    """GOV.UK Frontend's CSS less its @font-face rules: GDS Transport is licensed for GOV.UK
    services only, so a council's service uses the CSS's own fallback, Arial, and no page
    asks for a font file it would be refused (404s in every browser's console)."""
    return FONT_FACE.sub("", (GOVUK_DIST / "govuk-frontend.min.css").read_text())


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    if filename.startswith("fonts/"):
        abort(404)
    if filename == "govuk-frontend.min.css":
        css = _css_without_fonts((GOVUK_DIST / filename).stat().st_mtime)
        response = Response(css, mimetype="text/css")
        response.cache_control.max_age = 3600
        return response
    if filename == "govuk-frontend.min.js":
        return send_from_directory(GOVUK_DIST, filename, max_age=3600)
    return send_from_directory(Path(GOVUK_DIST / "assets"), filename, max_age=3600)
