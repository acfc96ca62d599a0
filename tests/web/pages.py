"""Helpers for reading the app's answers in tests."""
from __future__ import annotations

from bs4 import BeautifulSoup
from flask import Flask

from kb.base import KnowledgeBase
from web.knowledge import KB_EXTENSION


def soup(response) -> BeautifulSoup:
    """The HTML of a test-client response, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def kb_of(app: Flask) -> KnowledgeBase:
    return app.extensions[KB_EXTENSION]
