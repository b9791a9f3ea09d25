"""Single sign-on against a real OpenID Connect provider process (tests/sso/provider.py)."""
from __future__ import annotations

import pytest

from tests.sso.provider import local_path, oidc_provider, provider_sign_in, sso_app

__all__ = ["oidc_provider", "sso_app"]


class SsoBrowser:
    """A test client that signs in through the provider, step by step."""

    def __init__(self, app):
        self.client = app.test_client()

    def start(self, next_url: str | None = None):
        """GET /login/sso: the redirect to the provider's authorisation endpoint."""
        response = self.client.get("/login/sso", query_string={"next": next_url} if next_url
                                   else None)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response.headers["Location"]

    def sign_in(self, sub: str, next_url: str | None = None):
        """The whole round trip as `sub`; returns our callback's response."""
        callback = provider_sign_in(self.start(next_url), sub)
        return self.client.get(local_path(callback))


@pytest.fixture
def sso_browser(sso_app):
    return lambda: SsoBrowser(sso_app)
