"""What keeps the web app safe to put on a network, in one place.

Cookies (Secure, HttpOnly, SameSite), the response headers every answer carries
(a strict Content-Security-Policy with no inline script or style, no framing, no
sniffing, no referrer to other sites), limits on what a request may carry, the
site-wide sign-in requirement, and error pages that never show a traceback.
"""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Flask, Response, current_app, jsonify, redirect, render_template, request, session, url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    Forbidden, HTTPException, InternalServerError, RequestURITooLarge, ServiceUnavailable,
)
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from kb.limits import SearchBusy
from kb.settings import Settings
from web.knowledge import SESSION_USER, signed_in_user

#: Every page: scripts and styles only from our own /static, nothing inline, no plugins,
#: no framing, forms and requests only to this site.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
#: A kept HTML report: shown, but in a sandbox (no scripts, a unique origin) that loads nothing.
ORIGINAL_HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb"))
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

MAX_BODY_BYTES = 64 * 1024  # the app takes forms of a few fields, never uploads
MAX_QUERY_STRING_BYTES = 8 * 1024
SESSION_HOURS = 8
LARGEST_ID = 2**63 - 1  # SQLite's largest integer: a larger id in a URL is simply not found

#: Where the kept original reports are sent from (by document id; see web/documents.py).
ORIGINAL_FILE_ENDPOINT = "documents.original_file"
#: Pages anyone may open when the whole site needs signing in.
OPEN_ENDPOINTS = frozenset({"account.sign_in", "account.sign_in_post", "account.sign_out",
                            "static"})


def configure(app: Flask, settings: Settings) -> None:
    """Apply cookie settings, limits, headers, the sign-in requirement and error pages."""
    app.config.update(
        SESSION_COOKIE_NAME="__Host-kb-session" if settings.secure_cookies else "kb-session",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES,
        MAX_FORM_PARTS=100,
        REQUIRE_SIGN_IN=settings.require_sign_in,
        BASE_URL=settings.base_url,
        BEHIND_PROXY=settings.behind_proxy,
    )
    app.url_map.converters["int"] = _IdConverter  # before any route is added
    if settings.behind_proxy:
        proxied = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    app.before_request(_check_request)
    app.after_request(_add_headers)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SearchBusy, _search_busy)
    app.register_error_handler(InternalServerError, _server_error)


def _check_request() -> Response | None:
    """Refuse over-long query strings; send people who are not signed in to the sign-in page."""
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        raise RequestURITooLarge(description="The address is too long to be read.")
    if not _needs_sign_in():
        return None
    if request.path.startswith("/api/"):
        response = jsonify(error="Sign in to use this service.")
        response.status_code = 401
        return response
    target = url_for("account.sign_in", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _needs_sign_in() -> bool:
    return bool(current_app.config["REQUIRE_SIGN_IN"]) and request.endpoint not in OPEN_ENDPOINTS \
        and signed_in_user() is None


def _add_headers(response: Response) -> Response:
    """The security headers, and no caching of anything shown to a signed-in person.

    A kept PDF gets no page policy: browsers' PDF viewers may refuse to show a PDF sent
    with one, and its own scripts run (if at all) inside the viewer, never in our pages.
    """
    if not (request.endpoint == ORIGINAL_FILE_ENDPOINT and response.mimetype == "application/pdf"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        response.vary.add("Cookie")
        if SESSION_USER in session:
            response.headers["Cache-Control"] = "private, no-store"
    return response


def http_error(error: HTTPException) -> tuple[Response | str, int]:
    """Errors as JSON under /api/, as a page everywhere else."""
    if request.path.startswith("/api/"):
        return jsonify(error=error.description), error.code or 500
    return render_template("error.html", error=error), error.code or 500


def _csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    """A POST without a valid token: 403 and a page saying what to do (Flask-WTF says 400)."""
    return http_error(Forbidden(description=(
        "This form could not be accepted: it has expired or did not come from this site. "
        "Go back, reload the page and try again.")))


def _search_busy(error: SearchBusy) -> tuple[Response | str, int]:
    """A long search while another runs (kb/limits.py): 503, try again in a moment."""
    response, status = http_error(ServiceUnavailable(description=str(error)))
    if isinstance(response, str):
        response = Response(response, status=status, mimetype="text/html")
    response.headers["Retry-After"] = "1"
    return response, status


SERVER_ERROR = "Something went wrong on our side and has been logged. Please try again in a moment."


def _server_error(error: InternalServerError) -> tuple[Response | str, int]:
    """A page (or JSON) saying something went wrong; the details go to the log, not the page."""
    try:
        return http_error(InternalServerError(description=SERVER_ERROR))
    except Exception:  # noqa: BLE001  (the page needs what just failed, the database say)
        current_app.logger.exception("the error page could not be shown")
        return Response(SERVER_ERROR, status=500, mimetype="text/plain"), 500


class _IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a whole number that can be a row id, or the route does not match."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = LARGEST_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
