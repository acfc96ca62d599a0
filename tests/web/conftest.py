"""The web app over real indexed data: the sample corpus, and a small corpus of hostile text."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from kb.settings import Settings
from cli import create_app
from web import close_app

HOSTILE_REPORT = """\
# Review of <script>alert(2)</script> Child Z

## Findings

The father told the social worker <script>alert(1)</script> and nothing was done.

## Recommendations

=HYPERLINK("http://example.invalid","click") should be treated as words, not as a formula.
"""


#: A word found only in the restricted report of ``access_data``, and one for did-you-mean.
SECRET = "zanzibarquokka"
SECRET_SPELLING = "quokkaflower"
PASSWORD = "correct horse battery"
#: Accounts in ``access_data``: name -> (role, may see restricted documents).
USERS = {"viewer": ("viewer", False), "reader": ("viewer", True), "curator": ("curator", False),
         "admin": ("admin", True)}


def make_app(data_dir: Path, config: dict | None = None, **settings: object) -> Flask:
    """The app over ``data_dir``; ``settings`` go to Settings, ``config`` to Flask."""
    return create_app(Settings(data_dir=data_dir, secret_key="test-only", **settings),
                      **{"TESTING": True, **(config or {})})


def opened(data_dir: Path) -> Iterator[KnowledgeBase]:
    """The knowledge base in ``data_dir``, opened apart from any app serving it: the data a
    test compares the app's answers with, or prepares before asking."""
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        yield kb


@pytest.fixture(scope="session")
def app(corpus_data: Path) -> Flask:
    """The application over the indexed sample corpus (read-only; it closes its knowledge
    base when the tests end)."""
    return make_app(corpus_data)


@pytest.fixture(scope="session")
def corpus(corpus_data: Path) -> Iterator[KnowledgeBase]:
    """The sample corpus ``app`` serves (see ``opened``). Do not write to it."""
    yield from opened(corpus_data)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def writable_app(writable_corpus_data: Path) -> Iterator[Flask]:
    """The application over a private copy of the corpus, for tests that change data."""
    application = make_app(writable_corpus_data)
    yield application
    close_app(application)


@pytest.fixture
def writable_kb(writable_corpus_data: Path) -> Iterator[KnowledgeBase]:
    """The data ``writable_app`` serves (see ``opened``)."""
    yield from opened(writable_corpus_data)


@pytest.fixture(scope="session")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Markdown report full of markup and a spreadsheet formula, indexed."""
    from indexer.ingest import ingest

    source = tmp_path_factory.mktemp("hostile-corpus")
    (source / "2024-hostile-review.md").write_text(HOSTILE_REPORT)
    data_dir = tmp_path_factory.mktemp("hostile-data")
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        report = ingest(kb, [source])
    assert not report.failed, report.failed
    return data_dir


@pytest.fixture(scope="session")
def hostile_app(hostile_data: Path) -> Flask:
    """The application over ``hostile_data``."""
    return make_app(hostile_data)


@pytest.fixture(scope="session")
def hostile_kb(hostile_data: Path) -> Iterator[KnowledgeBase]:
    """The data ``hostile_app`` serves (see ``opened``)."""
    yield from opened(hostile_data)



def restricted_report(twin: str, year: int) -> str:
    """An unpublished national review: its recommendation is nearly the same as ``twin`` (an
    open local recommendation from a later year), so it is that passage's most similar one,
    a recommendation "made before" it and national learning it repeats; and it has words
    found nowhere else."""
    return f"""\
---
title: "Unpublished national review: Child {SECRET.title()}"
publisher: Quokkashire National Safeguarding Panel
year: {year}
kind: thematic-review
scope: national
restricted: yes
---

# Unpublished national review: Child {SECRET.title()}

## Recommendations

{twin} The {SECRET} assessment must be shared as well.

## Learning

Practitioners did not speak to the father, and the {SECRET_SPELLING} plan was not followed up by the
health visitor, the school or children's social care. Domestic abuse was known to the police.
"""


@pytest.fixture(scope="session")
def access_data(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus plus one restricted report (see ``restricted_report``), a user of
    each kind (see USERS) and a collection holding a passage of each.

    Do not write to it: tests that change data copy it first.
    """
    import shutil

    from indexer.ingest import ingest
    from kb.accounts import add_user
    from kb.collection import add_passage, create_collection

    data_dir = tmp_path_factory.mktemp("access") / "data"
    shutil.copytree(corpus_data, data_dir)
    source = tmp_path_factory.mktemp("restricted-corpus")
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        documents = {d.id: d for d in kb.store.documents()}
        twin = max((p for p in kb.store.passages() if p.passage_type == "recommendation"
                    and p.themes and 40 <= len(p.text.split()) <= 150
                    and documents[p.document_id].meta.scope == "local"
                    and (documents[p.document_id].meta.year or 0) >= 2021),
                   key=lambda p: (documents[p.document_id].meta.year, len(p.text)))
        (source / "unpublished-national-review.md").write_text(
            restricted_report(twin.text, documents[twin.document_id].meta.year - 2))
        report = ingest(kb, [source])
        assert not report.failed, report.failed
        for name, (role, access) in USERS.items():
            add_user(kb.store, name, PASSWORD, role, restricted_access=access)
        hidden = next(d for d in kb.store.documents() if d.meta.restricted)
        collection = create_collection(kb.store, "Training pack")
        add_passage(kb.store, collection, twin, documents[twin.document_id])
        add_passage(kb.store, collection, kb.store.passages(document_id=hidden.id)[0], hidden)
    return data_dir


@pytest.fixture(scope="session")
def access_app(access_data: Path) -> Flask:
    """The application over ``access_data`` (read-only)."""
    return make_app(access_data)


@pytest.fixture(scope="session")
def access_kb(access_data: Path) -> Iterator[KnowledgeBase]:
    """The data ``access_app`` serves (see ``opened``). Do not write to it."""
    yield from opened(access_data)


@pytest.fixture
def access_copy_data(access_data: Path, tmp_path: Path) -> Path:
    """A copy of ``access_data`` that a test may change."""
    copy = tmp_path / "data"
    shutil.copytree(access_data, copy)
    return copy


@pytest.fixture
def access_app_copy(access_copy_data: Path) -> Iterator[Flask]:
    """The app over ``access_copy_data`` (curators' decisions, retraining), answering at once
    when a write would wait for an indexer."""
    application = make_app(access_copy_data, config={"WRITE_WAIT_SECONDS": 0.2})
    yield application
    close_app(application)


@pytest.fixture
def access_copy_kb(access_copy_data: Path) -> Iterator[KnowledgeBase]:
    """The data ``access_app_copy`` serves (see ``opened``)."""
    yield from opened(access_copy_data)
