"""A tiny stand-in provider that hands out the ID tokens a test makes, good or forged.

The real provider (oidc-provider-mock) only issues correct tokens, so the refusals are tested
against this one: it publishes a discovery document and its key like a real provider, and its
token endpoint answers with whatever `id_token` the test set, signed with its own key or any
other. Served by werkzeug on a free port of 127.0.0.1 in a thread of the test process.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from werkzeug.serving import make_server

from tests.sso.provider import CLIENT_ID, SOCIAL_WORKERS


class FakeProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "good"}, private=True)
        self.issuer = ""
        self.id_token: str | None = None  # what the token endpoint answers with next
        self.token_requests: list[dict] = []
        self.app = self._make_app()

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"]})

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.post("/token")
        def token():
            self.token_requests.append({**request.form, "authorization":
                                        request.headers.get("Authorization", "")})
            body = {"access_token": "fake-access-token", "token_type": "Bearer",
                    "expires_in": 300}
            if self.id_token is not None:
                body["id_token"] = self.id_token
            return jsonify(body)

        return app

    def claims(self, nonce: str | None, **changes) -> dict:
        """A correct ID token's claims for `nonce`, with `changes` (None removes a claim)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "sub-fake", "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": nonce, "preferred_username": "fake.person",
                  "name": "Fake Person", "groups": [SOCIAL_WORKERS]}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, key: RSAKey | OctKey | None = None, kid: str = "good",
             alg: str = "RS256") -> str:
        return jwt.encode({"alg": alg, "kid": kid}, claims, key or self.key,
                          algorithms=[alg])


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    server = make_server("127.0.0.1", 0, fake.app, threaded=True)
    fake.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="fake-oidc", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=10)
