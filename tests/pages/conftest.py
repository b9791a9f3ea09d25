"""A browser-like client for the pages: a session cookie and the CSRF token from each form."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, app):
        self.client = app.test_client()
        self.last = None

    def get(self, url, **kw):
        self.last = self.client.get(url, **kw)
        return self.last

    def token(self) -> str:
        """The CSRF token from the last page, or from a page that has a form."""
        for url in (None, "/login", "/start"):
            if url is not None:
                self.get(url)
            found = TOKEN.search(self.last.get_data(as_text=True)) if self.last else None
            if found:
                return found.group(1)
        raise AssertionError("no page with a CSRF token")

    def post(self, url, data=None, follow=False):
        form = {"csrf_token": self.token(), **(data or {})}
        self.last = self.client.post(url, data=form, follow_redirects=follow)
        return self.last

    def sign_in(self, username, password=DEMO_PASSWORD):
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


@pytest.fixture
def browser(app):
    def make(username: str | None = None) -> Browser:
        b = Browser(app)
        if username:
            b.sign_in(username)
        return b
    return make
