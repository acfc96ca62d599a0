"""What curators found when they checked each theme's tags (``kb.curation_figures``), counted
from real ``curate`` calls on a copy of the indexed sample corpus to which two reports of our
own are added: an open one and a restricted one that share a paragraph word for word."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb.accounts import User
from kb.base import KnowledgeBase
from kb.curation_figures import CuratorChecks
from kb.model import Passage
from kb.settings import Settings

READER = User("reader", "viewer", restricted_access=True)
VIEWER = User("viewer", "viewer", restricted_access=False)
THEME = "domestic-abuse"

SHARED = ("The police had attended the home four times in the year before the incident after "
          "neighbours reported shouting, and on each occasion the mother’s partner had left before "
          "officers arrived; no referral was made to the domestic abuse service and the MARAC did "
          "not hear of the family.")


def report(title: str, restricted: bool, own: str) -> str:
    return f"""\
---
title: "{title}"
publisher: Quokkashire Safeguarding Children Partnership
year: 2024
kind: cspr
scope: local
restricted: {"yes" if restricted else "no"}
---

# {title}

## Findings

{SHARED}

## Learning

{own}
"""


OPEN_OWN = ("Practitioners were told by the child’s mother that her former partner had threatened "
            "her, and the health visitor recorded controlling behaviour at home without asking "
            "what it meant for the baby.")
HIDDEN_OWN = ("The school knew that the children had witnessed violence between their parents and "
              "that the father had breached a non-molestation order, but this was not shared.")


@dataclass
class Decided:
    """What the fixture decided, to compare the figures with."""

    kb: KnowledgeBase
    confirmed: int
    removed: int
    added: int


def tagged(passages: list[Passage], theme: str, carrying: bool) -> list[Passage]:
    return [p for p in passages if (theme in p.themes) == carrying]


@pytest.fixture(scope="module")
def decided(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Decided]:
    """Curators confirm, remove and add the theme on open passages; decide on the restricted
    report's own passage and on the paragraph both reports share; and decide on a report that
    is then taken out of the knowledge base."""
    from indexer.ingest import ingest

    data = tmp_path_factory.mktemp("checks") / "data"
    shutil.copytree(corpus_data, data)
    source = tmp_path_factory.mktemp("checks-corpus")
    (source / "open-review.md").write_text(report("Review of Child Q", False, OPEN_OWN))
    (source / "unpublished-review.md").write_text(report("Unpublished review of Child V", True,
                                                         HIDDEN_OWN))
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        assert not ingest(kb, [source]).failed
        documents = {d.meta.title: d for d in kb.store.documents()}
        hidden = kb.store.passages(document_id=documents["Unpublished review of Child V"].id)
        opened = kb.store.passages(document_id=documents["Review of Child Q"].id)
        shared = next(p for p in hidden if p.text == SHARED)
        assert any(p.text == SHARED for p in opened)  # the same text: the same text hash
        hidden_own = next(p for p in hidden if p.text == HIDDEN_OWN)
        ours = {documents["Review of Child Q"].id, documents["Unpublished review of Child V"].id}
        # A report of the sample corpus, to be taken out; the others' passages to decide on.
        withdrawn = min((d for d in kb.store.documents() if d.id not in ours),
                        key=lambda d: d.passage_count)
        open_passages = [p for p in kb.store.passages()
                         if p.document_id not in ours | {withdrawn.id}]
        carrying = tagged(open_passages, THEME, True)
        lacking = tagged(open_passages, THEME, False)
        assert len(carrying) >= 4 and len(lacking) >= 4
        for passage in carrying[:3]:
            kb.store.curate(passage.id, THEME, "confirm", "cora")
        kb.store.curate(carrying[3].id, THEME, "remove", "cora")
        for passage in lacking[:2]:
            kb.store.curate(passage.id, THEME, "add", "cora")
        # From the review queue, "no" on a passage the tagger had left untagged agrees with it
        # (not a wrong tag), and "yes" there says the tagger missed the theme.
        kb.store.curate(lacking[2].id, THEME, "remove", "cora")
        kb.store.curate(lacking[3].id, THEME, "confirm", "cora")
        # Seen by everyone through the open report holding the same paragraph.
        kb.store.curate(shared.id, THEME, "confirm", "cora")
        # Only for readers who may see restricted reports.
        kb.store.curate(hidden_own.id, THEME, "remove", "cora")
        # A decision on a report then taken out of the knowledge base counts for nobody.
        gone = kb.store.passages(document_id=withdrawn.id)[0]
        kb.store.curate(gone.id, THEME, "add", "cora")
        assert kb.store.remove_source(withdrawn.path)
        assert kb.store.document(withdrawn.id) is None
        yield Decided(kb, confirmed=4, removed=1, added=3)


def test_figures_count_what_curators_decided_on_the_passages_a_reader_sees(
        decided: Decided) -> None:
    found = decided.kb.for_reader(VIEWER).curator_checks()[THEME]
    assert (found.confirmed, found.removed, found.added) == (
        decided.confirmed, decided.removed, decided.added)
    assert found.checked == 5 and found.percent_right == 80
    assert found.last_decided_at is not None


def test_decisions_on_restricted_reports_count_only_for_readers_who_may_see_them(
        decided: Decided) -> None:
    hidden_from = decided.kb.for_reader(VIEWER).curator_checks()[THEME]
    shown_to = decided.kb.for_reader(READER).curator_checks()[THEME]
    assert shown_to.removed == hidden_from.removed + 1
    assert (shown_to.confirmed, shown_to.added) == (hidden_from.confirmed, hidden_from.added)
    assert decided.kb.for_reader(None).curator_checks()[THEME] == hidden_from


def test_every_theme_is_answered_and_undecided_ones_are_empty(decided: Decided) -> None:
    checks = decided.kb.for_reader(READER).curator_checks()
    assert list(checks) == list(decided.kb.taxonomy.ids)
    for theme, found in checks.items():
        if theme != THEME:
            assert not found.decided and found.percent_right is None, theme


@pytest.mark.parametrize("confirmed, removed, percent", [
    (18, 5, 78), (199, 1, 99), (1, 299, 1), (7, 0, 100), (0, 3, 0), (1, 1, 50)])
def test_the_percentage_reads_100_or_0_only_when_it_is(confirmed: int, removed: int,
                                                       percent: int) -> None:
    assert CuratorChecks(THEME, confirmed=confirmed, removed=removed).percent_right == percent
