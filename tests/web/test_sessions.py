"""Sessions kept on the server: a copied cookie stops working once its session is ended by
signing out, a new password (`kb users passwd` or the change-password page), a new role
(`kb users role`) or removing the account, even if the same name is added again."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT
from tests.web.conftest import PASSWORD, SECRET
from tests.web.pages import csrf_token, sign_in, soup

NEW_PASSWORD = "a quite different passphrase"


@pytest.fixture
def app(access_app_copy: Flask) -> Flask:
    return access_app_copy


def kb_cli(app: Flask, *argv: str, password: str = "") -> subprocess.CompletedProcess:
    """``kb ARGV`` on the app's data directory, as an administrator runs it."""
    data = app.extensions["knowledge_base"].settings.data_dir
    return subprocess.run([sys.executable, "-m", "cli", *argv, "--data", str(data)],
                          cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, KB_PASSWORD=password), stdin=subprocess.DEVNULL)


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value)
    return other


def who(client: FlaskClient) -> str | None:
    """The name the page header says is signed in, or None."""
    found = soup(client.get("/sign-in")).find(class_="signed-in-as")
    return found.get_text(" ", strip=True) if found else None


def signed_in(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, username, password).status_code == 303
    return client


def test_a_copied_cookie_is_signed_out_with_its_session(app: Flask) -> None:
    reader = signed_in(app, "reader")
    stolen = copy_of(app, reader)
    assert who(stolen) == "Signed in as reader"
    assert reader.post("/sign-out", data={"csrf_token": csrf_token(reader, "/")}).status_code == 303
    assert who(reader) is None and who(stolen) is None
    assert stolen.get("/api/search", query_string={"q": SECRET}).get_json()["total"] == 0
    other = signed_in(app, "reader")  # a session elsewhere is not ended by this sign-out
    assert who(other) == "Signed in as reader"


def test_removing_and_adding_an_account_again_does_not_revive_its_old_cookie(app: Flask) -> None:
    viewer = signed_in(app, "viewer")
    stolen = copy_of(app, viewer)
    assert kb_cli(app, "users", "remove", "viewer").returncode == 0
    added = kb_cli(app, "users", "add", "viewer", "--role", "admin", password=PASSWORD)
    assert added.returncode == 0, added.stderr
    assert who(stolen) is None and who(viewer) is None
    assert stolen.get("/api/search", query_string={"q": SECRET}).get_json()["total"] == 0
    assert who(signed_in(app, "viewer")) == "Signed in as viewer (admin)"


def test_kb_users_passwd_ends_every_session_and_sets_the_password(app: Flask) -> None:
    curator = signed_in(app, "curator")
    changed = kb_cli(app, "users", "passwd", "curator", password=NEW_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    assert "sessions have ended" in changed.stdout
    assert who(curator) is None
    assert sign_in(app.test_client(), "curator", PASSWORD).status_code == 401
    assert who(signed_in(app, "curator", NEW_PASSWORD)) == "Signed in as curator (curator)"
    short = kb_cli(app, "users", "passwd", "curator", password="short")
    assert short.returncode == 2 and short.stderr.count("\n") == 1 and "10 characters" in short.stderr
    missing = kb_cli(app, "users", "passwd", "nobody", password=NEW_PASSWORD)
    assert missing.returncode == 2 and "no user called nobody" in missing.stderr


def test_kb_users_role_ends_the_sessions_granted_under_the_old_role(app: Flask) -> None:
    admin = signed_in(app, "admin")
    changed = kb_cli(app, "users", "role", "admin", "--role", "viewer")
    assert changed.returncode == 0, changed.stderr
    assert who(admin) is None
    assert who(signed_in(app, "admin")) == "Signed in as admin"  # a viewer now
    assert kb_cli(app, "users", "role", "admin").returncode == 2  # --role is needed


def test_the_change_password_page(app: Flask) -> None:
    reader = signed_in(app, "reader")
    elsewhere = signed_in(app, "reader")
    page = soup(reader.get("/account/password"))
    form = page.find("form", class_="sign-in-form")
    assert form["method"] == "post" and page.find("label", attrs={"for": "new_password"})
    assert soup(reader.get("/")).find("a", href="/account/password")
    token = csrf_token(reader, "/account/password")
    wrong = reader.post("/account/password", data={
        "csrf_token": token, "current_password": "not it at all", "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    differ = reader.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD + "!"})
    assert differ.status_code == 400
    done = reader.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    assert done.status_code == 303
    assert "password has been changed" in reader.get(done.location).get_data(as_text=True)
    assert who(reader) == "Signed in as reader", "this browser stays signed in"
    assert who(elsewhere) is None, "every other session has ended"
    assert sign_in(app.test_client(), "reader", PASSWORD).status_code == 401
    anonymous = app.test_client().get("/account/password")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.location
