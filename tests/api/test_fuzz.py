"""Schemathesis against our own OpenAPI document: every operation, signed in.

Each operation gets a bounded number of generated requests, valid and invalid, sent through
the real app and database. Every response must be a documented status code with a body that
matches its documented schema, and none may be a 500.

Schemathesis's own pytest plugin does not work with pytest 9 yet, so each operation is one
parametrised test that draws cases from schemathesis's strategy with Hypothesis.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from app import create_app
from app.extensions import db
from app.models import Role
from app.services.auth import issue_token
from tests.factories import make_user

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 15}
DOCUMENT = "/api/v1/openapi.json"


def _operation_labels() -> list[str]:
    """Read at collection time from an app without a database: the document needs none."""
    spec_only = create_app({"PANELFLOW_ENV": "testing", "TESTING": True,
                            "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEPLOY_ON_START": False,
                            "RUN_SCHEDULER": False})
    document = spec_only.test_client().get(DOCUMENT).get_json()
    return [f"{method.upper()} {path}" for path, item in document["paths"].items()
            for method in item if method in {"get", "post", "put", "patch", "delete"}]


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
