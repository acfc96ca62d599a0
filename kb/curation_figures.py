"""How far each theme's tags can be trusted: what curators found when they checked them.

Each decision is read against what the tagger had done when the curator first decided: a
``confirm`` of a tag says it was right, a ``remove`` of a tag that it was wrong, an ``add`` (or a
``confirm`` on a passage the tagger had left untagged) that the tagger missed the theme, and a
``remove`` on an untagged passage agrees with the tagger and is not a check of a tag. (Decisions
stored before the tagger's state was kept are read by their action alone.) Only decisions on
passages still in the knowledge base count, and only on passages the reader may see: a decision
on the text of a restricted report counts for others only when the same text is also in a
report they may see.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from kb.store import Store

#: What the figures are drawn from, said wherever they are shown.
CHECKS_CAVEAT = ("These figures come from the passages curators chose to check, and the review "
                 "queue shows them the passages the tagger is least sure of first, so they "
                 "understate how often the tags are right on typical passages.")
#: Fewer checked tags than this say little about a theme's tags.
FEW_CHECKS = 10


@dataclass(frozen=True)
class CuratorChecks:
    """Curators' decisions on one theme's tags: tags confirmed, tags removed, and passages they
    added the theme to because the tagger had missed it."""

    theme_id: str
    confirmed: int = 0
    removed: int = 0
    added: int = 0
    last_decided_at: str | None = None

    @property
    def checked(self) -> int:
        """Tags of the tagger's that a curator confirmed or removed."""
        return self.confirmed + self.removed

    @property
    def decided(self) -> bool:
        """Whether any curator has decided anything on this theme."""
        return self.checked + self.added > 0

    @property
    def last_decided_on(self) -> date | None:
        """The day of the latest decision (None when there is none)."""
        return datetime.fromisoformat(self.last_decided_at).date() if self.last_decided_at else None

    @property
    def few(self) -> bool:
        """Whether too few tags were checked for the share right to mean much."""
        return self.checked < FEW_CHECKS

    @property
    def share_right(self) -> float | None:
        """Confirmed tags over checked tags (None when none was checked)."""
        return self.confirmed / self.checked if self.checked else None

    @property
    def percent_right(self) -> int | None:
        """``share_right`` as a whole percentage that reads 100 only when every checked tag
        was confirmed and 0 only when none was."""
        if self.share_right is None:
            return None
        percent = round(self.share_right * 100)
        if self.removed and percent == 100:
            return 99
        if self.confirmed and percent == 0:
            return 1
        return percent

    def to_dict(self) -> dict:
        return {"checked": self.checked, "confirmed": self.confirmed, "removed": self.removed,
                "added": self.added, "percent_right": self.percent_right,
                "last_decided_at": self.last_decided_at, "caveat": CHECKS_CAVEAT}


def curator_checks(store: Store, theme_ids: Iterable[str], include_restricted: bool = False
                   ) -> dict[str, CuratorChecks]:
    """Curators' decisions on each of ``theme_ids`` over the passages in ``store`` (those of
    restricted documents only when ``include_restricted``); a theme nobody decided on has
    all counts zero."""
    counts: dict[str, dict[str, int]] = {theme: {} for theme in theme_ids}
    latest: dict[str, str] = {}
    rows = store.conn.execute(
        """
        SELECT c.theme_id,
               CASE WHEN c.tagger_tagged = 0 THEN
                        CASE c.action WHEN 'remove' THEN 'agreed' ELSE 'add' END
                    ELSE c.action END AS outcome,
               COUNT(*), MAX(c.decided_at) FROM curations c
        WHERE EXISTS (SELECT 1 FROM passages p JOIN documents d ON d.id = p.document_id
                      WHERE p.text_hash = c.text_hash AND (:restricted OR d.restricted = 0))
        GROUP BY c.theme_id, outcome
        """, {"restricted": int(include_restricted)})
    for theme, action, count, decided_at in rows:
        if theme in counts:
            counts[theme][action] = count
            latest[theme] = max(latest.get(theme, decided_at), decided_at)
    return {theme: CuratorChecks(theme, confirmed=by_action.get("confirm", 0),
                                 removed=by_action.get("remove", 0),
                                 added=by_action.get("add", 0),
                                 last_decided_at=latest.get(theme))
            for theme, by_action in counts.items()}
