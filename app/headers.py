"""Security headers on every response, and no caching of pages or data about children."""
from __future__ import annotations

from flask import Flask, request

# No inline script or style anywhere: the pages load /static and /assets files only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith(("/assets/", "/static/")):
        # Pages and API answers hold personal data: never keep them in shared caches.
        headers["Cache-Control"] = "no-store"
    return response


def _add_hsts(response):
    response.headers.setdefault("Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    if app.config["PANELFLOW_ENV"] == "production":
        app.after_request(_add_hsts)
