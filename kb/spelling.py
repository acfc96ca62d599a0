""""Did you mean": the closest known spelling of an unknown word, with bounded work.

Engine-neutral: the search engine passes in how to list its terms from a prefix (in
order), how common a term is and whether a term may be suggested (an open passage holds
it); this module decides which terms to look at and how many. Every query's work is
bounded whatever it holds: a word longer than ``MAX_WORD_CHARS`` is not corrected (no
misspelt word is that long), at most ``MAX_TERMS_PER_WORD`` terms of the dictionary are
examined for one word and ``MAX_TERMS_PER_QUERY`` for the whole query, and an edit distance
is worked out only for terms of about the word's length, within a narrow band.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_WORD_CHARS = 30
MAX_TERMS_PER_WORD = 3000
MAX_TERMS_PER_QUERY = 8000
SUGGESTION_CANDIDATES = 8  # closest spellings tried, until one may be suggested


@dataclass
class SpellingBudget:
    """What one query may spend on suggestions, and what it has spent."""

    terms_per_word: int = MAX_TERMS_PER_WORD
    terms_per_query: int = MAX_TERMS_PER_QUERY
    examined: int = 0  # dictionary terms looked at, over the whole query
    distances: int = 0  # edit distances worked out

    @property
    def spent(self) -> bool:
        return self.examined >= self.terms_per_query


def max_edits(word: str) -> int:
    """A short word may be one letter out, a longer one two."""
    return 1 if len(word) <= 5 else 2


def closest_spelling(word: str, terms_from: Callable[[str], Iterable[str]],
                     frequency: Callable[[str], int], may_suggest: Callable[[str], bool],
                     budget: SpellingBudget) -> str | None:
    """The known term closest to ``word`` (lower case), the commonest of equally close ones,
    or None.

    Candidates share the word's first letter (a misspelling rarely changes it): first the
    terms sharing its first two letters, then the rest of the first letter's, as far as
    the budget allows. ``terms_from(prefix)`` lists the dictionary's terms with a prefix.
    """
    if not word or len(word) > MAX_WORD_CHARS or budget.spent:
        return None
    limit = max_edits(word)
    allowance = min(budget.terms_per_word, budget.terms_per_query - budget.examined)
    scored: list[tuple[int, str]] = []
    prefixes = [word[:2], word[:1]] if len(word) > 1 else [word[:1]]
    for prefix in prefixes:
        for term in terms_from(prefix):
            if allowance <= 0:
                break
            allowance -= 1
            budget.examined += 1
            if prefix != prefixes[0] and term.startswith(prefixes[0]):
                continue  # looked at in the first pass
            if abs(len(term) - len(word)) > limit or term == word:
                continue
            budget.distances += 1
            distance = bounded_distance(word, term, limit)
            if distance <= limit:
                scored.append((distance, term))
    if not scored:
        return None
    scored.sort(key=lambda found: (found[0], -frequency(found[1]), found[1]))
    for _, term in scored[:SUGGESTION_CANDIDATES]:
        if may_suggest(term):
            return term
    return None


def bounded_distance(first: str, second: str, limit: int) -> int:
    """Letters to insert, delete, change or swap with a neighbour to turn one word into the
    other (Damerau-Levenshtein, optimal string alignment), or ``limit + 1`` once it is
    certain to exceed ``limit``. Only cells within ``limit`` of the diagonal are worked out."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    over = limit + 1
    width = len(second)
    previous2: list[int] = []
    previous = [j if j <= limit else over for j in range(width + 1)]
    for i in range(1, len(first) + 1):
        a = first[i - 1]
        current = [over] * (width + 1)
        if i <= limit:
            current[0] = i
        low, high = max(1, i - limit), min(width, i + limit)
        for j in range(low, high + 1):
            b = second[j - 1]
            cost = previous[j - 1] + (a != b)
            if previous[j] + 1 < cost:
                cost = previous[j] + 1
            if current[j - 1] + 1 < cost:
                cost = current[j - 1] + 1
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b \
                    and previous2[j - 2] + 1 < cost:
                cost = previous2[j - 2] + 1
            current[j] = min(cost, over)
        if min(current[low - 1:high + 1]) > limit:
            return over
        previous2, previous = previous, current
    return previous[width]
