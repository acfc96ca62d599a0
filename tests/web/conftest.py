"""The web app over real indexed data: the sample corpus, and a small corpus of hostile text."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from kb.settings import Settings
from web import create_app
from web.knowledge import KB_EXTENSION

HOSTILE_REPORT = """\
# Review of <script>alert(2)</script> Child Z

## Findings

The father told the social worker <script>alert(1)</script> and nothing was done.

## Recommendations

=HYPERLINK("http://example.invalid","click") should be treated as words, not as a formula.
"""


def make_app(data_dir: Path) -> Flask:
    return create_app(Settings(data_dir=data_dir, secret_key="test-only"), TESTING=True)


def close_app(app: Flask) -> None:
    app.extensions[KB_EXTENSION].close()


@pytest.fixture(scope="session")
def app(corpus_data: Path) -> Iterator[Flask]:
    """The application over the indexed sample corpus (read-only)."""
    application = make_app(corpus_data)
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def writable_app(writable_corpus_data: Path) -> Iterator[Flask]:
    """The application over a private copy of the corpus, for tests that change data."""
    application = make_app(writable_corpus_data)
    yield application
    close_app(application)


@pytest.fixture(scope="session")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application over one Markdown report full of markup and a spreadsheet formula."""
    from indexer.ingest import ingest

    source = tmp_path_factory.mktemp("hostile-corpus")
    (source / "2024-hostile-review.md").write_text(HOSTILE_REPORT)
    data_dir = tmp_path_factory.mktemp("hostile-data")
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        report = ingest(kb, [source])
    assert not report.failed, report.failed
    application = make_app(data_dir)
    yield application
    close_app(application)

