"""Forged, misdirected, stale and replayed sign-ins are refused; nobody is signed in by them.

The forged tokens come from tests/sso/fake_provider.py (a real provider never issues them);
the replayed state goes through the real provider process.
"""
from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator

import pytest
from joserfc.jwk import OctKey, RSAKey

from app.extensions import db
from app.models import User
from tests.sso.fake_provider import FakeProvider, fake_provider
from tests.sso.provider import (
    CLIENT_ID,
    SOCIAL_WORKERS,
    local_path,
    provider_sign_in,
    query,
    set_provider_user,
    using_provider,
)

__all__ = ["fake_provider"]
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "good"}, private=True)


@pytest.fixture
def fake(app, fake_provider) -> Iterator[FakeProvider]:
    fake_provider.id_token = None
    fake_provider.token_requests.clear()
    with using_provider(app, fake_provider.issuer):
        yield fake_provider


def _attempt(app, fake: FakeProvider, make_token):
    """Start a sign-in, have the fake answer with make_token(nonce), come back with a code."""
    client = app.test_client()
    authorize = query(client.get("/login/sso").headers["Location"])
    fake.id_token = make_token(authorize["nonce"])
    response = client.get("/login/sso/callback",
                          query_string={"code": "fake-code", "state": authorize["state"]})
    return client, response, authorize


def _nobody(app, client) -> None:
    assert client.get("/").status_code == 302  # still not signed in
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.sso_subject == "sub-fake")) is None


def test_a_correct_token_from_the_fake_is_accepted(app, fake):
    """The control: the refusals below are for what is wrong with each token, nothing else."""
    client, response, authorize = _attempt(app, fake, lambda n: fake.sign(fake.claims(n)))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert client.get("/").status_code == 200
    # PKCE: the verifier sent with the code is the one the challenge was made from.
    sent = fake.token_requests[-1]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == authorize["code_challenge"]
    assert sent["code"] == "fake-code"
    assert sent["authorization"].startswith("Basic ")  # the client secret, not in the URL


def _now() -> int:
    return int(time.time())


# (forge the ID token from the fake and the nonce, what the log names as the reason)
BAD_TOKENS = {
    "bad-signature": (lambda fake, n: fake.sign(fake.claims(n), key=OTHER_KEY),
                      "BadSignatureError"),
    "unknown-key": (lambda fake, n: fake.sign(fake.claims(n), key=OTHER_KEY, kid="unknown"),
                    "InvalidKeyIdError"),
    # The old confusion attack: HMAC keyed with something the client knows. RS256 only.
    "hs256": (lambda fake, n: fake.sign(fake.claims(n), key=OctKey.import_key(
        b"test-secret-padded-to-be-long-enough"), alg="HS256"), "UnsupportedAlgorithmError"),
    "wrong-audience": (lambda fake, n: fake.sign(fake.claims(n, aud="another-client")),
                       "'aud'"),
    # Authlib alone lets this one through (azp names us); the audience must name us too.
    "wrong-audience-with-azp": (lambda fake, n: fake.sign(fake.claims(
        n, aud=["another-client"], azp=CLIENT_ID)), "'aud'"),
    "expired": (lambda fake, n: fake.sign(fake.claims(n, iat=_now() - 7200, exp=_now() - 3600)),
                "ExpiredTokenError"),
    "wrong-issuer": (lambda fake, n: fake.sign(fake.claims(n, iss="https://elsewhere.example")),
                     "'iss'"),
    "wrong-nonce": (lambda fake, n: fake.sign(fake.claims("another-nonce")), "'nonce'"),
    "no-nonce": (lambda fake, n: fake.sign(fake.claims(None)), "'nonce'"),
    "no-expiry": (lambda fake, n: fake.sign(fake.claims(n, exp=None)), "'exp'"),
    "garbage": (lambda fake, n: "not.a.token", "Error"),
    "no-id-token": (lambda fake, n: None, "no ID token"),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_a_bad_id_token_is_refused(app, fake, case, caplog, monkeypatch):
    # Alembic's logging set-up (migrations/env.py) disables loggers that exist when the test
    # database is migrated, the app's among them.
    monkeypatch.setattr(app.logger, "disabled", False)
    forge, reason = BAD_TOKENS[case]
    client, response, _ = _attempt(app, fake, lambda nonce: forge(fake, nonce))
    assert response.status_code == 401
    assert "Your sign-in could not be completed" in response.get_data(as_text=True)
    _nobody(app, client)
    refusals = [r.getMessage() for r in caplog.records if "sign-on refused" in r.getMessage()]
    assert refusals and reason in refusals[-1], refusals


def test_a_state_not_issued_to_this_browser_is_refused(app, fake):
    client = app.test_client()
    fake.id_token = fake.sign(fake.claims("whatever"))
    response = client.get("/login/sso/callback", query_string={"code": "c", "state": "made-up"})
    assert response.status_code == 401
    _nobody(app, client)


def test_the_provider_saying_no_is_refused(app, fake):
    client = app.test_client()
    state = query(client.get("/login/sso").headers["Location"])["state"]
    response = client.get("/login/sso/callback",
                          query_string={"error": "access_denied", "state": state})
    assert response.status_code == 401
    _nobody(app, client)


def test_a_replayed_state_is_refused(sso_browser, oidc_provider):
    """Through the real provider: a callback URL used once signs in; used again it does
    nothing, in the same browser, in another, or with the cookie from before it was used
    (the state comes back with that cookie, but the provider takes each code only once)."""
    set_provider_user(oidc_provider, "sub-replay", preferred_username="replay",
                      groups=[SOCIAL_WORKERS])
    first = sso_browser()
    callback = local_path(provider_sign_in(first.start(), "sub-replay"))
    cookie_before = first.client.get_cookie("session").value
    assert first.client.get(callback).status_code == 302
    assert first.client.get(callback).status_code == 401
    other = sso_browser()
    other.start()  # a sign-in of its own under way, with another state
    assert other.client.get(callback).status_code == 401
    assert other.client.get("/").status_code == 302
    stolen = sso_browser()
    stolen.client.set_cookie("session", cookie_before)
    assert stolen.client.get(callback).status_code == 401
    assert stolen.client.get("/").status_code == 302
