"""The curators' review queue: the themes the tagger is least sure of, for the queue's page
and its JSON twin."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

from kb.model import Passage
from web.knowledge import current_kb, reader, user_allowed

QUEUE_PAGE_SIZE = 25
ONLY_CURATORS = "Only curators can review the tagger's themes."


@dataclass
class QueueItem:
    """One theme on one passage that the tagger is unsure of, for a curator to decide."""

    passage: Passage
    document_id: int
    title: str
    theme: str
    rule_score: float
    model_score: float | None
    tagged: bool
    disagree: bool

    def to_dict(self) -> dict:
        return {"passage_id": self.passage.id, "document_id": self.document_id, "title": self.title,
                "theme": self.theme, "tagged": self.tagged, "rule_score": self.rule_score,
                "model_score": self.model_score, "rules_and_model_disagree": self.disagree,
                "text": self.passage.text, "evidence": self.passage.evidence.get(self.theme, []),
                "page": self.passage.page_start}


def model_state() -> dict:
    """When the theme model was last trained, on how many examples (and how many from
    curators), and how many curators' decisions have been made since."""
    store = current_kb().store
    state = store.tagger_state()
    trained_at = state.get("model_trained_at")
    return {"trained_at": trained_at, "examples": int(state.get("model_examples", 0)),
            "curator_examples": int(state.get("model_curator_examples", 0)),
            "decisions_since": store.curation_count(since=trained_at)}


def queue_items(page: int) -> list[QueueItem]:
    """The page's themes in doubt, least sure first (see ``Store.doubtful_judgements``)."""
    view = reader()
    state = view.store.tagger_state()
    rows = view.doubtful_judgements(
        float(view.taxonomy.scoring.get("threshold", 1.0)), float(state.get("model_threshold", 0.5)),
        limit=QUEUE_PAGE_SIZE + 1, offset=(page - 1) * QUEUE_PAGE_SIZE)
    passages = {p.id: p for p in view.store.passages(passage_ids=[row["passage_id"] for row in rows])}
    return [QueueItem(passages[row["passage_id"]], row["document_id"], row["title"], row["theme_id"],
                      row["rule_score"], row["model_score"], bool(row["tagged"]), bool(row["disagree"]))
            for row in rows if row["passage_id"] in passages and row["theme_id"] in view.taxonomy.ids]


def queue_page() -> int:
    """The page of the queue asked for (the first when it cannot be read)."""
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def queue_answer() -> dict:
    """The review queue's page as JSON, with the model's state (curators only, else a 403)."""
    user_allowed(lambda u: u.can_curate, ONLY_CURATORS)
    page = queue_page()
    items = queue_items(page)
    return {"model": model_state(), "page": page, "has_next": len(items) > QUEUE_PAGE_SIZE,
            "items": [item.to_dict() for item in items[:QUEUE_PAGE_SIZE]]}
