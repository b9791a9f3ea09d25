"""Schemathesis against our own OpenAPI document: every operation, signed in.

Each operation gets a bounded number of generated requests, valid and invalid, sent through
the real app and database. Every response must be a documented status code with a body that
matches its documented schema, and none may be a 500.

Schemathesis's own pytest plugin does not work with pytest 9 yet, so each operation is one
parametrised test that draws cases from schemathesis's strategy with Hypothesis.

The hostile classes of issue 15 are drawn as well, signed in and not: JSON nested up to
100,000 deep, bodies around and far over the size limit, and start data naming the pathway's
own variables and the diagram helpers.

PANELFLOW_FUZZ_EXAMPLES sets how many valid requests each operation gets (20 by default, as in
`make test`; `make fuzz` runs many more); the other classes scale with it.
"""
from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from app import create_app
from app.extensions import db
from app.input_guard import MAX_JSON_DEPTH
from app.models import Role
from app.services.auth import issue_token
from app.services.forms import RESERVED_NAMES
from tests.diagrams import START_SCHEMA, two_step
from tests.factories import make_user
from tests.helpers import deploy

BASE = max(1, int(os.environ.get("PANELFLOW_FUZZ_EXAMPLES", "20")))
EXAMPLES = {GenerationMode.POSITIVE: BASE, GenerationMode.NEGATIVE: max(1, BASE * 3 // 4)}
DOCUMENT = "/api/v1/openapi.json"


def _document() -> dict:
    """Read at collection time from an app without a database: the document needs none."""
    spec_only = create_app({"PANELFLOW_ENV": "testing", "TESTING": True,
                            "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEPLOY_ON_START": False,
                            "RUN_SCHEDULER": False})
    return spec_only.test_client().get(DOCUMENT).get_json()


def _operation_labels() -> list[str]:
    return [f"{method.upper()} {path}" for path, item in _document()["paths"].items()
            for method in item if method in {"get", "post", "put", "patch", "delete"}]


def _json_body_urls() -> list[str]:
    """Every operation that reads a JSON body, as (method, url) with its path ids filled."""
    found = []
    for path, item in _document()["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {}) \
                if isinstance(operation, dict) else {}
            if "application/json" in content:
                found.append((method.upper(), path.replace("{", "").replace("}", "")))
    return found


JSON_BODY_URLS = _json_body_urls()


@pytest.fixture
def bearer(app) -> dict[str, str]:
    """A user holding every role, so that each operation is reachable past 403."""
    with app.app_context():
        roles = [role.key for role in db.session.scalars(db.select(Role))]
        user = make_user("fuzzer", roles)
        token, _ = issue_token(user)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda mode: mode.value)
@pytest.mark.parametrize("label", _operation_labels())
def test_operation_keeps_its_contract(app, bearer, label, mode):
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, app)
    # NUL characters are refused with a 422 everywhere (tests/test_input_guard.py), so valid
    # requests are drawn without them; invalid ones may still contain them.
    schema.config.generation.update(allow_x00=mode is GenerationMode.NEGATIVE)
    operation = schema.find_operation_by_label(label)

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        # A schema-valid request may still break a business rule (an unknown pathway key, a
        # body that is not BPMN); its documented 422 is right, so that check is left out.
        case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

    fuzz()


def _hostile_settings(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _nested(depth: int, kinds: str) -> str:
    opening = "".join("[" if kinds[i % len(kinds)] == "[" else '{"a":' for i in range(depth))
    closing = "".join("]" if kinds[i % len(kinds)] == "[" else "}" for i in reversed(range(depth)))
    return opening + "1" + closing


def test_deep_json_is_a_400_everywhere_signed_in_or_not(app, bearer):
    client = app.test_client()

    @given(st.sampled_from(JSON_BODY_URLS + [("POST", "/api/v1/auth/token"), ("POST", "/login")]),
           st.one_of(st.integers(MAX_JSON_DEPTH + 1, 2_000), st.integers(2_000, 100_000)),
           st.sampled_from(["[", "{", "[{", "{{["]), st.booleans())
    @_hostile_settings(max(5, BASE // 2))
    def fuzz(where, depth, kinds, signed_in):
        method, url = where
        response = client.open(url, method=method, data=_nested(depth, kinds),
                               content_type="application/json",
                               headers=bearer if signed_in else {})
        assert response.status_code == 400, (url, depth, response.status_code)

    fuzz()


def test_bodies_over_the_limit_are_a_413_and_under_it_never_a_500(app, bearer):
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]

    @given(st.sampled_from(JSON_BODY_URLS), st.one_of(
        st.integers(limit - 64, limit + 64), st.integers(limit + 1, 10 * limit)),
        st.booleans(), st.sampled_from(["application/json", "application/xml", "text/plain"]))
    @_hostile_settings(max(3, BASE // 4))
    def fuzz(where, size, signed_in, content_type):
        method, url = where
        body = b'{"data": "' + b"x" * max(0, size - 13) + b'"}'
        response = client.open(url, method=method, data=body, content_type=content_type,
                               headers=bearer if signed_in else {})
        if len(body) > limit:
            assert response.status_code == 413, (url, len(body), response.status_code)
        else:
            assert response.status_code < 500, (url, len(body), response.status_code)

    fuzz()


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=12)
_START_FIELDS = sorted(START_SCHEMA["properties"])
_RESERVED = sorted(RESERVED_NAMES | {"outcome", "when", "panel_decision", "_sandbox"})


def test_start_data_is_only_the_start_forms_fields(app, bearer):
    deploy(app, two_step())
    client = app.test_client()

    @given(st.dictionaries(
        st.sampled_from(_RESERVED) | st.sampled_from(_START_FIELDS) | st.text(max_size=12),
        _VALUES, max_size=4))
    @_hostile_settings(BASE)
    def fuzz(data):
        response = client.post("/api/v1/process-instances", headers=bearer, json={
            "process_model": "two_step", "subject": {"child_ref": "C-F"}, "data": data})
        if "\\u0000" in json.dumps(data):  # refused by the NUL guard, naming its own paths
            assert response.status_code == 422
            return
        taken = set(data) <= set(_START_FIELDS)
        if not taken:
            assert response.status_code == 422, (data, response.status_code)
            strays = {f"data.{key}" for key in data if key not in _START_FIELDS}
            assert strays <= set(response.json["errors"]), response.json
        else:
            assert response.status_code in (201, 422), (data, response.status_code)
        if response.status_code == 201:
            assert response.json["data"]["initiator"] == "fuzzer"
            assert set(response.json["data"]) <= {*_START_FIELDS, "initiator", "subject"}

    fuzz()
