"""Helpers for reading the app's answers in tests."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from web.knowledge import KB_EXTENSION


def soup(response) -> BeautifulSoup:
    """The HTML of a test-client response, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def kb_of(app: Flask) -> KnowledgeBase:
    return app.extensions[KB_EXTENSION]


def csrf_token(client, url: str = "/sign-in") -> str:
    """The CSRF token a page at ``url`` gives this client's session (as its forms carry it)."""
    return soup(client.get(url)).find("input", attrs={"name": "csrf_token"})["value"]


def sign_in(client, username: str, password: str, next_url: str = "/"):
    """Sign in through the real form, token and all; returns the response to the POST."""
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "next": next_url, "csrf_token": csrf_token(client)})


def signed_in(app: Flask, who: str, password: str) -> FlaskClient:
    """A client of ``app``, signed in as ``who`` unless ``who`` is "anonymous"."""
    client = app.test_client()
    if who != "anonymous":
        assert sign_in(client, who, password).status_code == 303
    return client


def active_content(html: str) -> list[str]:
    """Anything in a page that could run script or load something: none may come from a report."""
    found = []
    page = BeautifulSoup(html, "html.parser")
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or name.lower() in ("style", "srcdoc", "formaction"):
                found.append(f"{element.name}[{name}]")
            if re.match(r"\s*(javascript|data|vbscript):", text, re.IGNORECASE) and name != "content":
                found.append(f"{element.name}[{name}={text}]")
        if element.name in ("iframe", "img", "svg", "object", "embed", "style", "base", "frame",
                            "math", "link") and not (element.name == "link" and element.get(
                                "href", "").startswith("/static/")):
            found.append(element.name)
        if element.name == "script" and (element.string or not element.get("src", "").startswith("/static/")):
            found.append(f"script {element}")
        if element.name == "meta" and element.get("http-equiv"):
            found.append(f"meta {element}")
    return found
