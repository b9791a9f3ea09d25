"""Signing in through the identity provider: people made and kept up to date from its claims."""
from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from app.models import User
from tests.conftest import DEMO_PASSWORD
from tests.sso.provider import (
    CANTEEN,
    CLIENT_ID,
    MANAGERS,
    PANEL_CHAIRS,
    PROVIDER_NAME,
    SOCIAL_WORKERS,
    query,
    set_provider_user,
)


def _user(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)  # roles are loaded with it (selectin)
        return user


def test_the_redirect_carries_pkce_state_and_nonce(sso_browser, oidc_provider):
    url = sso_browser().start()
    assert url.startswith(f"{oidc_provider}/oauth2/authorize?")
    params = query(url)
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256, not the verifier
    assert params["state"] and params["nonce"]
    assert set(params["scope"].split()) >= {"openid", "profile", "email"}
    assert params["redirect_uri"] == "http://localhost/login/sso/callback"


def test_first_sign_in_creates_the_person_from_their_claims(sso_app, sso_browser,
                                                            oidc_provider):
    set_provider_user(oidc_provider, "sub-ada", preferred_username="ada.lovelace@council.test",
                      name="Ada Lovelace", email="ada@council.test",
                      groups=[SOCIAL_WORKERS, PANEL_CHAIRS, CANTEEN])
    browser = sso_browser()
    response = browser.sign_in("sub-ada", next_url="/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"] == "/start"  # where they were going, as with a password
    user = _user(sso_app, "ada.lovelace@council.test")
    assert user.display_name == "Ada Lovelace"
    assert user.email == "ada@council.test"
    assert user.sso_subject == "sub-ada"
    assert user.role_keys == {"social_worker", "panel_chair"}
    assert user.team == sso_app.config["TEST_GROUP_MAP"][SOCIAL_WORKERS]["team"]
    inbox = browser.client.get("/")
    assert inbox.status_code == 200
    assert "Signed in as Ada Lovelace" in inbox.get_data(as_text=True)
    # A password nobody knows: this person cannot sign in with one.
    token = browser.client.post("/api/v1/auth/token", json={
        "username": "ada.lovelace@council.test", "password": ""})
    assert token.status_code in (401, 422)


def test_each_sign_in_refreshes_roles_and_team_from_the_groups(sso_app, sso_browser,
                                                               oidc_provider):
    set_provider_user(oidc_provider, "sub-bo", preferred_username="bo", name="Bo",
                      groups=[SOCIAL_WORKERS, PANEL_CHAIRS])
    assert sso_browser().sign_in("sub-bo").status_code == 302
    set_provider_user(oidc_provider, "sub-bo", preferred_username="bo", name="Bo Renamed",
                      email="bo@council.test", groups=[MANAGERS])
    assert sso_browser().sign_in("sub-bo").status_code == 302
    user = _user(sso_app, "bo")
    assert user.role_keys == {"team_manager"}  # social_worker and panel_chair are gone
    assert user.team == sso_app.config["TEST_GROUP_MAP"][MANAGERS]["team"]
    assert user.display_name == "Bo Renamed"
    assert user.email == "bo@council.test"
    # Groups that name no team leave the team as it was.
    set_provider_user(oidc_provider, "sub-bo", preferred_username="bo", groups=[PANEL_CHAIRS])
    assert sso_browser().sign_in("sub-bo").status_code == 302
    user = _user(sso_app, "bo")
    assert user.role_keys == {"panel_chair"}
    assert user.team == sso_app.config["TEST_GROUP_MAP"][MANAGERS]["team"]


def test_found_by_subject_even_when_the_username_claim_changes(sso_app, sso_browser,
                                                               oidc_provider):
    set_provider_user(oidc_provider, "sub-cy", preferred_username="cy", groups=[SOCIAL_WORKERS])
    sso_browser().sign_in("sub-cy")
    set_provider_user(oidc_provider, "sub-cy", preferred_username="cy.new",
                      groups=[SOCIAL_WORKERS])
    assert sso_browser().sign_in("sub-cy").status_code == 302
    assert _user(sso_app, "cy") is not None
    assert _user(sso_app, "cy.new") is None


def test_a_deactivated_person_cannot_sign_in(sso_app, sso_browser, oidc_provider):
    set_provider_user(oidc_provider, "sub-di", preferred_username="di", groups=[SOCIAL_WORKERS])
    assert sso_browser().sign_in("sub-di").status_code == 302
    with sso_app.app_context():
        db.session.execute(db.update(User).where(User.username == "di").values(active=False))
        db.session.commit()
    browser = sso_browser()
    response = browser.sign_in("sub-di")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "has been deactivated" in page
    assert browser.client.get("/").status_code == 302  # not signed in
    assert _user(sso_app, "di").role_keys == {"social_worker"}  # nothing changed


def test_no_mapped_role_is_told_to_ask_their_administrator(sso_app, sso_browser,
                                                           oidc_provider):
    set_provider_user(oidc_provider, "sub-ed", preferred_username="ed", groups=[CANTEEN])
    browser = sso_browser()
    response = browser.sign_in("sub-ed")
    assert response.status_code == 403
    assert "Ask your administrator" in response.get_data(as_text=True)
    assert _user(sso_app, "ed") is None  # nobody is created without a role
    assert browser.client.get("/").status_code == 302


def test_losing_every_mapped_group_removes_the_roles(sso_app, sso_browser, oidc_provider):
    set_provider_user(oidc_provider, "sub-fi", preferred_username="fi", groups=[SOCIAL_WORKERS])
    sso_browser().sign_in("sub-fi")
    set_provider_user(oidc_provider, "sub-fi", preferred_username="fi", groups=[])
    assert sso_browser().sign_in("sub-fi").status_code == 403
    assert _user(sso_app, "fi").role_keys == set()


def test_a_person_added_beforehand_is_linked_by_username(sso_app, sso_browser, oidc_provider):
    """The administrator adds someone; their first single sign-on finds that account."""
    set_provider_user(oidc_provider, "sub-sw2", preferred_username="social_worker_2",
                      groups=[SOCIAL_WORKERS])
    before = _user(sso_app, "social_worker_2")
    try:
        assert sso_browser().sign_in("sub-sw2").status_code == 302
        after = _user(sso_app, "social_worker_2")
        assert after.id == before.id
        assert after.sso_subject == "sub-sw2"
        # ...and another identity claiming the same username is refused, not let in.
        set_provider_user(oidc_provider, "sub-impostor", preferred_username="social_worker_2",
                          groups=[MANAGERS])
        response = sso_browser().sign_in("sub-impostor")
        assert response.status_code == 403
        assert "already uses your username" in response.get_data(as_text=True)
        assert _user(sso_app, "social_worker_2").role_keys == {"social_worker"}
    finally:  # a demo user: put it back as it was
        with sso_app.app_context():
            user = db.session.get(User, before.id)
            user.sso_subject, user.display_name, user.email = None, before.display_name, \
                before.email
            db.session.commit()


def test_the_username_falls_back_to_the_email(sso_app, sso_browser, oidc_provider):
    set_provider_user(oidc_provider, "sub-gu", email="gu@council.test", groups=[SOCIAL_WORKERS])
    assert sso_browser().sign_in("sub-gu").status_code == 302
    assert _user(sso_app, "gu@council.test").sso_subject == "sub-gu"


def test_login_page_offers_the_provider_next_to_passwords(sso_app):
    page = sso_app.test_client().get("/login?next=/start").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page
    assert 'href="/login/sso?next=/start"' in page
    assert 'name="password"' in page


def test_password_login_off(sso_app, sso_browser, oidc_provider):
    sso_app.config["PASSWORD_LOGIN"] = False  # sso_app puts it back
    client = sso_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page
    assert 'name="password"' not in page and 'name="username"' not in page
    with client.session_transaction() as session:  # no password form, so no token on it
        session["csrf_token"] = "t"
    refused = client.post("/login", data={"csrf_token": "t", "username": "manager",
                                          "password": DEMO_PASSWORD})
    assert refused.status_code == 403
    assert "Panelflow passwords are turned off" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    api = client.post("/api/v1/auth/token", json={"username": "manager",
                                                  "password": DEMO_PASSWORD})
    assert api.status_code == 403
    assert api.json["message"] == "Password sign-in is turned off"
    # The provider still lets people in.
    set_provider_user(oidc_provider, "sub-hal", preferred_username="hal", groups=[MANAGERS])
    browser = sso_browser()
    assert browser.sign_in("sub-hal").status_code == 302
    assert browser.client.get("/").status_code == 200


def test_routes_are_not_there_without_a_provider(app):
    client = app.test_client()
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(("settings", "message"), [
    ({"PASSWORD_LOGIN": False}, "nobody can sign in"),
    ({"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": ""}, "CLIENT_ID must be set"),
    ({"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "x",
      "OIDC_GROUP_MAP": '{"g": {"roles": "social_worker"}}'}, "roles must be a list"),
    ({"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "x",
      "OIDC_GROUP_MAP": "not json"}, "PANELFLOW_OIDC_GROUP_MAP"),
])
def test_settings_that_would_lock_people_out_stop_the_app(settings, message, tmp_path):
    with pytest.raises(RuntimeError, match=message):
        create_app({"PANELFLOW_ENV": "testing", "TESTING": True, "DEPLOY_ON_START": False,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", **settings})
