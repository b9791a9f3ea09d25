"""The Blueprint every API module uses: unknown query parameters are refused, not ignored.

A misspelt filter (`?stauts=ready`) silently ignored would hand a client the wrong list of
children's cases; a 422 naming the parameter tells them at once.
"""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class StrictParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": ma.RAISE, "querystring": ma.RAISE}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()
