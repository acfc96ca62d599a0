"""Signing in and out, the session cookie, and the setting that requires sign-in for everything."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kb.accounts import remove_user
from tests.web.conftest import PASSWORD, close_app, make_app
from tests.web.pages import csrf_token, sign_in, soup


def _cookie_header(response) -> str:
    return next(value for name, value in response.headers.items()
                if name == "Set-Cookie" and "session=" in value)


def test_sign_in_page_is_a_plain_form_with_a_token(access_app: Flask) -> None:
    page = soup(access_app.test_client().get("/sign-in?next=/themes"))
    form = page.find("form", class_="sign-in-form")
    assert form["method"] == "post" and form["action"] == "/sign-in"
    assert form.find("input", attrs={"name": "csrf_token"})["value"]
    assert form.find("input", attrs={"name": "next"})["value"] == "/themes"
    assert page.find("label", attrs={"for": "username"}) and page.find("label", attrs={"for": "password"})
    assert form.find(id="password")["type"] == "password"
    assert form.find(id="password")["autocomplete"] == "current-password"


def test_signing_in_goes_where_asked_and_shows_who_is_signed_in(access_app: Flask) -> None:
    client = access_app.test_client()
    response = sign_in(client, "curator", PASSWORD, next_url="/themes")
    assert response.status_code == 303 and response.headers["Location"] == "/themes"
    header = soup(client.get("/themes")).find(class_="account").get_text(" ", strip=True)
    assert "Signed in as curator (curator)" in header and "Sign out" in header


def test_the_session_cookie_is_secure_http_only_and_same_site(access_app: Flask) -> None:
    response = sign_in(access_app.test_client(), "viewer", PASSWORD)
    cookie = _cookie_header(response)
    assert cookie.startswith("__Host-kb-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie, "a signed-in session ends after some hours"


def test_cookies_can_travel_over_plain_http_when_configured(access_data: Path) -> None:
    app = make_app(access_data, secure_cookies=False)
    try:
        cookie = _cookie_header(sign_in(app.test_client(), "viewer", PASSWORD))
    finally:
        close_app(app)
    assert cookie.startswith("kb-session=") and "Secure" not in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize(("username", "password"), [
    ("viewer", "wrong password"), ("nobody", PASSWORD), ("", PASSWORD), ("viewer", "")])
def test_a_wrong_name_or_password_is_refused_the_same_way(
        access_app: Flask, username: str, password: str) -> None:
    client = access_app.test_client()
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert soup(response).find(role="alert").p.get_text() == "The user name or password is not right."
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""])
def test_sign_in_never_redirects_off_the_site(access_app: Flask, target: str) -> None:
    response = sign_in(access_app.test_client(), "viewer", PASSWORD, next_url=target)
    assert response.headers["Location"] == "/"


def test_signing_out_needs_a_post_with_the_token(access_app: Flask) -> None:
    client = access_app.test_client()
    sign_in(client, "viewer", PASSWORD)
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 403, "no token, no sign-out"
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


def test_a_removed_account_is_signed_out_at_once(access_app_copy: Flask,
                                                 access_copy_kb: KnowledgeBase) -> None:
    client = access_app_copy.test_client()
    sign_in(client, "reader", PASSWORD)
    assert "Signed in as reader" in client.get("/").get_data(as_text=True)
    remove_user(access_copy_kb.store, "reader")
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


# -- the whole site behind sign-in --------------------------------------------------------
@pytest.fixture
def closed_app(access_data: Path) -> Iterator[Flask]:
    """The app with sign-in required for everything (read-only data)."""
    application = make_app(access_data, require_sign_in=True)
    yield application
    close_app(application)


def test_with_sign_in_required_nothing_but_the_sign_in_page_is_shown(closed_app: Flask) -> None:
    client = closed_app.test_client()
    for address in ("/", "/?q=father", "/themes", "/documents/1", "/documents/1/file"):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response.headers["Location"].startswith("/sign-in?next=")
    assert client.get("/").headers["Location"] == "/sign-in?next=/"
    for address in ("/api/search?q=father", "/api/themes", "/api/search.csv", "/api/documents/1"):
        response = client.get(address)
        assert response.status_code == 401 and response.get_json() == {
            "error": "Sign in to use this service."}, address
    swap = client.get("/?q=father", headers={"HX-Request": "true"})
    assert swap.status_code == 204 and swap.headers["HX-Redirect"].startswith("/sign-in")
    page = client.get("/sign-in")
    assert page.status_code == 200 and not soup(page).find(id="q"), "no search box before signing in"
    assert client.get("/static/app.css").status_code == 200


def test_with_sign_in_required_a_signed_in_user_sees_everything(closed_app: Flask) -> None:
    client = closed_app.test_client()
    response = sign_in(client, "viewer", PASSWORD, next_url="/?q=father")
    assert response.headers["Location"] == "/?q=father"
    assert client.get("/?q=father").status_code == 200
    assert client.get("/api/search", query_string={"q": "father"}).get_json()["total"] > 0


def test_behind_a_proxy_links_use_the_forwarded_scheme_and_host(access_data: Path) -> None:
    app = make_app(access_data, behind_proxy=True)
    try:
        found = app.test_client().get("/api/documents/1", headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-Host": "kb.example.org"}).get_json()
    finally:
        close_app(app)
    assert found["document"]["url"] == "https://kb.example.org/documents/1"
