"""Authentication: tokens, /me, and the 401s."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import time_machine

from app.extensions import db
from app.models import ApiToken, utcnow
from tests.conftest import DEMO_PASSWORD


def test_token_for_right_password_then_me(app):
    client = app.test_client()
    response = client.post("/api/v1/auth/token",
                           json={"username": "social_worker", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json["token"]
    assert response.json["expires_at"] > utcnow().isoformat()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json == {"username": "social_worker", "display_name": me.json["display_name"],
                       "roles": ["social_worker"]}
    assert me.json["display_name"]


def test_token_is_stored_only_as_a_hash(app):
    client = app.test_client()
    token = client.post("/api/v1/auth/token",
                        json={"username": "manager", "password": DEMO_PASSWORD}).json["token"]
    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_wrong_password_and_unknown_user_get_the_same_401(app):
    client = app.test_client()
    wrong = client.post("/api/v1/auth/token", json={"username": "manager", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json == {"code": 401, "message": "Wrong username or password"}


def test_missing_fields_are_422_with_field_errors(app):
    response = app.test_client().post("/api/v1/auth/token", json={"username": "manager"})
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert "password" in response.json["errors"]


def test_malformed_json_is_400(app):
    response = app.test_client().post("/api/v1/auth/token", data="{not json",
                                      content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == 400


def test_me_needs_a_valid_token(app, as_user):
    client = app.test_client()
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert bad.json["code"] == 401
    assert as_user("team_manager").get("/api/v1/me").json["roles"] == ["team_manager"]


def test_expired_token_is_refused(app, as_user):
    client = as_user("social_worker")
    assert client.get("/api/v1/me").status_code == 200
    with time_machine.travel(utcnow() + timedelta(hours=13)):
        assert client.get("/api/v1/me").status_code == 401
