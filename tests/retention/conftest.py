"""Shared by the retention and subject access tests: a browser, the administrator's user."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from tests.pages.conftest import Browser


@pytest.fixture
def browser(app):
    def make(username: str | None = None) -> Browser:
        signed = Browser(app)
        if username:
            signed.sign_in(username)
        return signed
    return make


def user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))
