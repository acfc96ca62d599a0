"""Snippets: a passage's stored text cut to the parts around the matched terms, escaped, with
matched terms marked. The one place search results get their HTML, whatever the engine."""
from __future__ import annotations

from collections.abc import Collection, Sequence
import html

from kb.engine import Token

SNIPPET_CHARS = 320  # the most a fragment holds
SURROUND = 90  # characters of context kept either side of the matched terms
FRAGMENTS = 2  # fragments shown at most
BETWEEN = " … "


def snippet(text: str, tokens: Sequence[Token], terms: Collection[str]) -> str:
    """Up to two fragments of ``text`` around its ``tokens`` whose term is in ``terms``, the
    fragments with most matches first chosen (of equals, the earlier), shown in text order;
    the start of the text, shortened, when nothing matches."""
    matched = [i for i, token in enumerate(tokens) if token.term in terms]
    if not matched:
        return escape(shorten(text))
    groups: list[list[int]] = []
    for index in matched:
        if groups and tokens[index].end - tokens[groups[-1][0]].start <= SNIPPET_CHARS - SURROUND:
            groups[-1].append(index)
        else:
            groups.append([index])
    best = sorted(groups, key=lambda group: (-len(group), tokens[group[0]].start))[:FRAGMENTS]
    best.sort(key=lambda group: tokens[group[0]].start)
    return BETWEEN.join(_fragment(text, tokens, group) for group in best)


def _fragment(text: str, tokens: Sequence[Token], group: list[int]) -> str:
    """The text from a word or so before the group's first match to one after its last,
    matched terms marked (adjacent ones together)."""
    first, last = group[0], group[-1]
    start_index = first
    while start_index > 0 and tokens[start_index - 1].start >= tokens[first].start - SURROUND:
        start_index -= 1
    end_index = last
    while end_index + 1 < len(tokens) and tokens[end_index + 1].end <= tokens[last].end + SURROUND \
            and tokens[end_index + 1].end - tokens[start_index].start <= SNIPPET_CHARS:
        end_index += 1
    marked = set(group)
    parts: list[str] = []
    position = tokens[start_index].start
    index = start_index
    while index <= end_index:
        token = tokens[index]
        if index in marked:
            run_end = index
            while run_end + 1 <= end_index and run_end + 1 in marked:
                run_end += 1
            parts.append(escape(text[position:token.start]))
            parts.append(f"<mark>{escape(text[token.start:tokens[run_end].end])}</mark>")
            position = tokens[run_end].end
            index = run_end + 1
        else:
            index += 1
    parts.append(escape(text[position:tokens[end_index].end]))
    return "".join(parts)


def escape(text: str) -> str:
    """``text`` safe inside HTML elements and attribute values (apostrophes left readable)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def shorten(text: str) -> str:
    """The start of ``text``, cut at a word, when it is longer than a snippet."""
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
