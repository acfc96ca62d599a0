"""Signing in and out, and changing one's password.

A user name and password are checked against the store's slow hashes; the session cookie
names a session kept in the store (see ``kb.accounts``), which signing out ends for good.
"""
from __future__ import annotations

from flask import (
    Blueprint, Response, current_app, flash, make_response, redirect, render_template,
    request, session, url_for,
)
from flask.blueprints import BlueprintSetupState

from kb.accounts import (
    MIN_PASSWORD_CHARS, AccountError, authenticate, change_password as store_password,
    end_session, start_session,
)
from web.knowledge import (
    AFTER_SIGN_IN, SESSION_USER, SIGN_IN_PURPOSE, current_kb, forget_user, signed_in_user,
)
from web.presentation import safe_next

bp = Blueprint("account", __name__)

MAX_USERNAME_CHARS = 64
MAX_PASSWORD_CHARS = 1024


def _purpose(values) -> tuple[str, dict[str, str]] | None:
    """What signing in is for, when the link to the sign-in page carried an action to finish."""
    for describe in current_app.extensions.get(SIGN_IN_PURPOSE, []):
        found = describe(values)
        if found:
            return found
    return None


@bp.get("/sign-in")
def sign_in() -> str:
    """The sign-in form (it says who is signed in, when someone is, and what signing in is
    for, when a click asked for it)."""
    return render_template("account/sign_in.html", next=safe_next(request.args.get("next")),
                           error=None, username="", purpose=_purpose(request.args))


@bp.post("/sign-in")
def sign_in_post() -> Response:
    """Check the name and password; on success start a fresh session and go where asked."""
    if current_kb().store.read_only:  # sessions are kept in the store, which cannot change
        page = render_template("account/sign_in.html", next=safe_next(request.form.get("next")),
                               username="", error="Signing in is not possible here: this "
                               "knowledge base is served from a read-only data directory.")
        return make_response(page, 503)
    username = request.form.get("username", "").strip()[:MAX_USERNAME_CHARS]
    password = request.form.get("password", "")[:MAX_PASSWORD_CHARS]
    target = safe_next(request.form.get("next"))
    user = authenticate(current_kb().store, username, password) if username and password else None
    if user is None:
        page = render_template("account/sign_in.html", next=target, username=username,
                               error="The user name or password is not right.",
                               purpose=_purpose(request.form))
        return make_response(page, 401)
    _start(user.username)
    forget_user()
    for finish in current_app.extensions.get(AFTER_SIGN_IN, []):
        finished = finish(request.form)
        if finished is not None:
            return finished
    return redirect(target, code=303)


def _start(username: str) -> None:
    """A fresh session for ``username``: nothing from before is carried over, the CSRF token
    included, and the cookie holds only the token of a session kept in the store."""
    session.clear()
    session[SESSION_USER] = start_session(current_kb().store, username,
                                          current_app.permanent_session_lifetime)
    session.permanent = True


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the session, in the store too: a copy of the cookie signs no one in afterwards."""
    token = session.get(SESSION_USER)
    if isinstance(token, str):
        end_session(current_kb().store, token)
    session.clear()
    return redirect(url_for("search.search"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | str:
    """A signed-in person sets a new password; every other session of theirs ends."""
    user = signed_in_user()
    if user is None:
        return redirect(url_for("account.sign_in", next=url_for("account.change_password")))
    if request.method == "GET":
        return render_template("account/change_password.html", error=None,
                               min_chars=MIN_PASSWORD_CHARS)
    current = request.form.get("current_password", "")[:MAX_PASSWORD_CHARS]
    new = request.form.get("new_password", "")[:MAX_PASSWORD_CHARS]
    error = None
    if authenticate(current_kb().store, user.username, current) is None:
        error = "Your current password is not right."
    elif new != request.form.get("repeat_password", "")[:MAX_PASSWORD_CHARS]:
        error = "The new password and its repetition differ."
    else:
        try:
            store_password(current_kb().store, user.username, new)
        except AccountError as problem:
            error = f"The password was not changed: {problem}."
    if error:
        page = render_template("account/change_password.html", error=error,
                               min_chars=MIN_PASSWORD_CHARS)
        return make_response(page, 400)
    _start(user.username)
    flash("Your password has been changed. Anywhere else you were signed in, you are signed "
          "out.")
    return redirect(url_for("account.change_password"), code=303)


def sign_in_url() -> str:
    """The sign-in page, coming back to the page being shown (when it can be shown again)."""
    if request.method != "GET" or request.endpoint == "account.sign_in":
        return url_for("account.sign_in")
    return url_for("account.sign_in", next=request.full_path.rstrip("?"))


def _register_template_helpers(state: BlueprintSetupState) -> None:
    """``current_user()`` and ``sign_in_url()`` in every template."""
    state.app.jinja_env.globals.update(current_user=signed_in_user, sign_in_url=sign_in_url)


bp.record_once(_register_template_helpers)
