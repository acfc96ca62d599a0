""""Did you mean": each query word no visible passage holds, replaced by the closest known word.

The work is bounded whatever the query: at most ``MAX_CORRECTED_WORDS`` words are looked
up, a word longer than ``MAX_WORD_CHARS`` is never looked up (no report word is that long),
and the engine reads at most ``SPELLING_PREFIX_TERMS`` index words for each and returns at
most ``CANDIDATES`` known words.
"""
from __future__ import annotations

import re

from kb.engine import SearchEngine
from kb.query import OPERATORS, WORD, terms_of

CANDIDATES = 8  # closest spellings tried for an unknown word
MAX_CORRECTED_WORDS = 5  # unknown words of one query looked up
MAX_WORD_CHARS = 30  # longer words are left as typed
#: Index words an engine reads at most for one unknown word (those sharing its first letters).
SPELLING_PREFIX_TERMS = 3000



def suggestion(engine: SearchEngine, text: str, include_restricted: bool,
               domain: frozenset[str] = frozenset()) -> str | None:
    """The query with unknown words corrected, or None when nothing would change.

    Unless ``include_restricted``, a word is known only when an open passage holds it: a
    suggestion never reveals a word found only in restricted passages. Of equally close
    spellings, the knowledge base's own terms (``domain``: acronyms, synonyms) come first, and
    a domain term as close as the engine's closest is offered even when a commoner word is
    as close; a word typed in capitals is offered in capitals.
    """
    tries = 0

    def corrected(match: re.Match) -> str:
        nonlocal tries
        word = match.group(0)
        if word in OPERATORS or tries >= MAX_CORRECTED_WORDS or not terms_of(word) \
                or len(word) > MAX_WORD_CHARS:
            return word
        wanted = word.lower()
        # A short word may be one letter out, a longer one two.
        max_distance = 1 if len(wanted) <= 5 else 2
        candidates = engine.spellings(wanted, include_restricted, max_distance=max_distance,
                                      limit=CANDIDATES)
        if candidates is None:  # known
            return word
        tries += 1
        candidates += [term for term in domain if term not in candidates
                       and abs(len(term) - len(wanted)) <= max_distance
                       and edit_distance(wanted, term) <= max_distance
                       and engine.spellings(term, include_restricted, 0, 1) is None]
        # The closest spelling ("sleap": sleep before lead), a domain term before others as
        # close, then the commonest.
        found = sorted(candidates, key=lambda candidate: (edit_distance(wanted, candidate),
                                                          candidate not in domain,
                                                          candidates.index(candidate)))
        if not found:
            return word
        return found[0].upper() if word.isupper() and len(word) > 1 else found[0]

    corrected_text = WORD.sub(corrected, text)
    return corrected_text if corrected_text != text else None


def edit_distance(first: str, second: str) -> int:
    """Letters to insert, delete, change or swap with a neighbour to turn one word into
    the other (Damerau-Levenshtein, optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
