"""Signing in and out of the pages: errors, CSRF, the failure limit and the idle timeout."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from app.models import utcnow
from app.web.auth import LIMITER


def test_pages_need_sign_in(browser):
    b = browser()
    response = b.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_sign_in_and_out(browser):
    b = browser()
    b.get("/login")
    response = b.post("/login", {"username": "social_worker", "password": "demo-test-password",
                                 "next": "/start"})
    assert response.headers["Location"] == "/start"
    assert b.get("/").status_code == 200
    assert "Sam Carter" in b.last.get_data(as_text=True)
    b.post("/logout")
    assert b.get("/").status_code == 302


def test_wrong_password_shows_an_error_summary(browser):
    b = browser()
    b.get("/login")
    response = b.post("/login", {"username": "social_worker", "password": "wrong"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "There is a problem" in page
    assert "Enter a correct username and password" in page
    assert 'value="social_worker"' in page  # what they typed is kept
    LIMITER.clear("user:social_worker", "addr:127.0.0.1")


def test_empty_fields_are_named(browser):
    b = browser()
    b.get("/login")
    page = b.post("/login", {"username": "", "password": ""}).get_data(as_text=True)
    assert 'href="#username">Enter your username' in page
    assert 'href="#password">Enter your password' in page


def test_post_without_csrf_token_is_refused(app):
    response = app.test_client().post("/login", data={"username": "manager", "password": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_repeated_failures_are_limited(browser):
    b = browser()
    b.get("/login")
    try:
        for _ in range(5):
            assert b.post("/login", {"username": "manager", "password": "bad"}).status_code == 401
        limited = b.post("/login", {"username": "manager", "password": "demo-test-password"})
        assert limited.status_code == 429
        assert "Too many failed attempts" in limited.get_data(as_text=True)
    finally:
        LIMITER.clear("user:manager", "addr:127.0.0.1")
    assert b.post("/login", {"username": "manager",
                             "password": "demo-test-password"}).status_code == 302


def test_next_never_leaves_the_site(browser):
    b = browser()
    b.get("/login")
    response = b.post("/login", {"username": "manager", "password": "demo-test-password",
                                 "next": "//evil.example/steal"})
    assert response.headers["Location"] == "/"


def test_sessions_end_after_inactivity(browser):
    b = browser("social_worker")
    assert b.get("/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        assert b.get("/").status_code == 302  # the server has ended the idle session


def test_a_kept_cookie_is_refused_after_inactivity(app, browser):
    """Even a cookie copied and replayed later is refused: the server checks the idle time."""
    b = browser("social_worker")
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        response = b.get("/")
        assert response.status_code == 302
        assert "inactive" in b.get(response.headers["Location"]).get_data(as_text=True)


def test_session_cookie_is_http_only(browser):
    b = browser()
    b.get("/login")
    response = b.post("/login", {"username": "manager", "password": "demo-test-password"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
