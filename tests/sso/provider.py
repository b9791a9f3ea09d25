"""A real OpenID Connect provider for the single sign-on tests, and the app pointed at it.

`oidc_provider` starts `oidc-provider-mock` (PyPI) as its own process on a free port of
127.0.0.1, waits for its discovery document and stops it at the end of the run. Its users are
set over HTTP (`PUT /users/<sub>` with their claims); its sign-in page takes a subject and
sends the browser back to us with a code, exactly as a council's provider would.

`sso_app` points the session's `app` at it for one test (and puts the settings back after).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.extensions import db
from app.models import User

CLIENT_ID = "panelflow-test-client"
PROVIDER_NAME = "Test Council account"
START_TIMEOUT_SECONDS = 30
# Two groups that give roles and a team, one with a role and no team, one unmapped.
SOCIAL_WORKERS, MANAGERS, PANEL_CHAIRS, CANTEEN = "sw-group", "tm-group", "chairs", "canteen"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited with {process.returncode}: "
                               f"{process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_SECONDS} seconds")


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """The provider's issuer URL (http://127.0.0.1:<port>)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
         "--port", str(port), "--require-nonce", "true"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"})
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{issuer}/.well-known/openid-configuration", process)
        # Its log goes nowhere from now on: a full pipe would stall it.
        process.stderr.close()
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def group_map() -> dict:
    """Groups to roles and teams, in the demo users' teams (whatever their keys are)."""
    teams = dict(db.session.execute(db.select(User.username, User.team).where(
        User.username.in_(["social_worker", "social_worker_3"]))).all())
    return {
        SOCIAL_WORKERS: {"roles": ["social_worker"], "team": teams["social_worker"]},
        MANAGERS: {"roles": ["team_manager"], "team": teams["social_worker_3"]},
        PANEL_CHAIRS: {"roles": ["panel_chair"]},
    }


@contextmanager
def using_provider(app, issuer: str) -> Iterator:
    """The session app signing in through `issuer` until the block ends; then its settings
    are put back as they were."""
    with app.app_context():
        groups = group_map()
    settings = {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": "test-secret", "OIDC_PROVIDER_NAME": PROVIDER_NAME,
                "OIDC_GROUP_MAP": json.dumps(groups), "OIDC_USERNAME_CLAIM": "preferred_username",
                "OIDC_GROUPS_CLAIM": "groups", "PASSWORD_LOGIN": True, "TEST_GROUP_MAP": groups}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    try:
        yield app
    finally:
        app.config.update(saved)


@pytest.fixture
def sso_app(app, oidc_provider) -> Iterator:
    """The session app using the real provider for this test."""
    with using_provider(app, oidc_provider):
        yield app


def set_provider_user(issuer: str, sub: str, **claims) -> None:
    """Who `sub` is at the provider from now on (their claims, groups included)."""
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def provider_sign_in(authorize_url: str, sub: str) -> str:
    """Sign in at the provider's own page as `sub`: returns where it sends the browser."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False,
                             timeout=10)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
