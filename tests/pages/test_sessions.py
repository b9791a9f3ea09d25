"""Browser sessions live on the server (issue 15, finding 10): signing out, the idle timeout,
the absolute lifetime and deactivation end them, so a copied cookie is refused afterwards."""
from __future__ import annotations

from app.extensions import db
from app.models import ApiToken, User, UserSession
from app.services.auth import issue_token
from app.services.user_sessions import end_all_sessions
from tests.factories import make_user
from tests.pages.conftest import Browser


def _copy(app, browser: Browser) -> Browser:
    """Another client holding the very same session cookie (as a thief would)."""
    thief = Browser(app)
    cookie = browser.client.get_cookie("session")
    thief.client.set_cookie("session", cookie.value)
    return thief


def _sessions(app, username: str) -> list[UserSession]:
    with app.app_context():
        rows = db.session.scalars(db.select(UserSession).join(User)
                                  .where(User.username == username)).all()
        db.session.expunge_all()
        return rows


def test_a_copied_cookie_is_refused_after_sign_out(app, browser):
    b = browser("social_worker")
    thief = _copy(app, b)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts
    b.post("/logout")
    assert b.get("/").status_code == 302
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert [s.end_reason for s in _sessions(app, "social_worker")] == ["signed_out"]


def test_the_cookie_holds_no_user_id(app, browser):
    b = browser("social_worker")
    with app.test_request_context():
        data = app.session_interface.get_signing_serializer(app).loads(
            b.client.get_cookie("session").value)
    assert "user_id" not in data
    assert set(data) <= {"sid", "csrf_token", "_permanent", "_flashes"}


def test_a_session_ends_after_the_absolute_lifetime_however_busy(app, browser, traveller):
    b = browser("social_worker")
    assert app.config["SESSION_LIFETIME_HOURS"] == 12
    for _ in range(28):  # a request every 25 minutes: never idle, 11 h 40 min in all
        traveller.shift(25 * 60)
        assert b.get("/").status_code == 200
    traveller.shift(25 * 60)  # 12 h 5 min after signing in
    response = b.get("/")
    assert response.status_code == 302
    assert "more than 12 hours ago" in b.get(response.headers["Location"]).get_data(as_text=True)
    assert [s.end_reason for s in _sessions(app, "social_worker")] == ["lifetime"]


def test_an_idle_session_is_ended_on_the_server(app, browser, traveller):
    b = browser("social_worker")
    thief = _copy(app, b)
    traveller.shift(29 * 60)
    assert b.get("/").status_code == 200  # 29 minutes idle is within the limit
    traveller.shift(31 * 60)
    response = thief.get("/")
    assert response.status_code == 302
    assert "inactive" in thief.get(response.headers["Location"]).get_data(as_text=True)
    assert [s.end_reason for s in _sessions(app, "social_worker")] == ["idle"]
    traveller.shift(-31 * 60)  # even a clock put back does not revive it
    assert b.get("/").status_code == 302


def test_a_person_idle_past_the_limit_is_told_why_they_must_sign_in_again(app, browser,
                                                                          traveller):
    """With the app's own settings: the cookie outlives the idle limit, so the server sees the
    idle session, ends it and the sign-in page says why (the cookie used to lapse at the same
    30 minutes, and the browser dropped it before the server could say so)."""
    b = browser("social_worker")
    traveller.shift(30 * 60 + 1)  # the page's warning ends the session a second after 30 min
    response = b.get("/")
    assert response.status_code == 302
    login = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you were inactive" in login
    assert [s.end_reason for s in _sessions(app, "social_worker")] == ["idle"]


def test_last_seen_is_written_at_most_once_a_minute(app, browser, traveller):
    b = browser("social_worker")
    [before] = _sessions(app, "social_worker")
    traveller.shift(30)
    b.get("/")
    [after] = _sessions(app, "social_worker")
    assert after.last_seen_at == before.last_seen_at
    traveller.shift(31)
    b.get("/")
    [after] = _sessions(app, "social_worker")
    assert after.last_seen_at > before.last_seen_at


def test_a_deactivated_users_session_and_token_are_refused_at_once(app, browser):
    with app.app_context():
        make_user("leaver", ["social_worker"], password="demo-test-password")
        token, _ = issue_token(db.session.scalar(db.select(User).where(User.username == "leaver")))
        db.session.commit()
    b = browser("leaver")
    bearer = {"Authorization": f"Bearer {token}"}
    assert b.get("/").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "leaver"))
        user.active = False
        assert end_all_sessions(user) == 2
        db.session.commit()
    assert b.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401

    with app.app_context():  # set active again, they sign in afresh: nothing old revives
        user = db.session.scalar(db.select(User).where(User.username == "leaver"))
        user.active = True
        db.session.commit()
        assert db.session.scalar(db.select(ApiToken.revoked_at)
                                 .where(ApiToken.user_id == user.id)) is not None
    assert b.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert [s.end_reason for s in _sessions(app, "leaver")] == ["deactivated"]
