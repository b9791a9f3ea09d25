"""Browser test: single sign-on through the real provider's own page, landing in the inbox."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from tests.e2e.conftest import assert_accessible
from tests.sso.provider import (
    PROVIDER_NAME,
    SOCIAL_WORKERS,
    oidc_provider,
    set_provider_user,
    using_provider,
)

__all__ = ["oidc_provider"]


def test_sign_in_through_the_provider_lands_in_the_inbox(app, new_page, oidc_provider):
    set_provider_user(oidc_provider, "sub-eve", preferred_username="eve.browser@council.test",
                      name="Eve Browser", email="eve@council.test", groups=[SOCIAL_WORKERS])
    with using_provider(app, oidc_provider):
        page = new_page()
        page.goto("/login")
        assert_accessible(page, "the sign-in page with single sign-on")
        page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
        # The provider's own page (oidc-provider-mock): who are you?
        page.wait_for_url(re.compile(re.escape(oidc_provider) + r"/oauth2/authorize\?"))
        page.get_by_placeholder("sub").fill("sub-eve")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/(\?.*)?$"))
        expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()
        expect(page.get_by_text("Signed in as Eve Browser")).to_be_visible()
        # A social worker: they can start a request.
        expect(page.get_by_role("link", name="Start a request", exact=True)).to_be_visible()
    ours = [p for p in page.problems if oidc_provider not in p]
    assert not ours, ours
    with app.app_context():
        user = db.session.scalar(db.select(User).where(
            User.username == "eve.browser@council.test"))
        assert user.role_keys == {"social_worker"}


def test_a_person_with_no_role_is_told_what_to_do(app, new_page, oidc_provider):
    set_provider_user(oidc_provider, "sub-nobody", preferred_username="nobody",
                      groups=["canteen"])
    with using_provider(app, oidc_provider):
        page = new_page()
        page.goto("/login/sso?next=/start")
        page.get_by_placeholder("sub").fill("sub-nobody")
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You cannot sign in to Panelflow")
        expect(page.get_by_text("Ask your administrator")).to_be_visible()
        assert_accessible(page, "the page for someone with no role")
