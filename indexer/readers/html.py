"""HTML files: the text a reader sees (no scripts, navigation or hidden elements), in reading
order, with the title and author as metadata."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from indexer.readers.base import BULLET, Block, Extracted, opening, squash
from indexer.readers.text import decode_text

SUFFIXES = (".html", ".htm")

HTML_HIDDEN = ("script", "style", "nav", "head", "title", "noscript", "template", "svg", "form", "button",
               "iframe", "object", "canvas", "audio", "video")  # the last five: fallback text
HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote", "dt", "dd",
               "figcaption", "caption")
# Elements that flow inside a line of text; any other element (div, section, td ...) ends the
# loose text before it, which then becomes a block of its own.
HTML_INLINE = frozenset("a abbr acronym b bdi bdo big br cite code data del dfn em font i img ins kbd "
                        "label mark q s samp small span strike strong sub sup time tt u var wbr".split())
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))\b", re.I)


def _html_hidden(element: Tag) -> bool:
    """An element a reader never sees: hidden, display:none, visibility:hidden or aria-hidden."""
    if element.attrs is None:
        return False
    hidden = element.get("hidden")
    return ((hidden is not None and str(hidden).lower() != "until-found")
            or bool(HIDDEN_STYLE.search(str(element.get("style") or "")))
            or str(element.get("aria-hidden") or "").strip().lower() == "true")


def _html_block(element: Tag) -> Block | None:
    if element.name == "tr":
        text = " | ".join(squash(cell.get_text(" ")) for cell in element.find_all(["th", "td"]))
    else:
        text = squash(element.get_text(" "))
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    if not text:
        return None
    if element.name[0] == "h" and element.name[1:].isdigit():
        return Block(text, heading_level=int(element.name[1]))
    return Block(BULLET + text if element.name == "li" else text)


def _html_blocks(container: Tag) -> Iterator[Block]:
    """Blocks of an element in reading order: block elements, and loose text between them."""
    loose: list[str] = []

    def flush() -> Iterator[Block]:
        text = re.sub(r" ([,.;:!?])", r"\1", squash(" ".join(loose)))
        loose.clear()
        if text:
            yield Block(text)

    for child in container.children:
        if isinstance(child, Tag):
            if child.name in HTML_BLOCKS:
                yield from flush()
                block = _html_block(child)
                if block:
                    yield block
            elif child.name in HTML_INLINE and not child.find(HTML_BLOCKS):
                loose.append(child.get_text(" "))
            else:
                yield from flush()
                yield from _html_blocks(child)
        elif type(child) is NavigableString:  # not a comment, CDATA or doctype
            loose.append(str(child))
    yield from flush()


def read(path: Path) -> Extracted:
    """Read an HTML file into blocks."""
    soup = BeautifulSoup(decode_text(path), "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.get_text(strip=True):
        metadata["title"] = squash(soup.title.get_text())
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        metadata["author"] = squash(author["content"])
    for hidden in soup.find_all(HTML_HIDDEN):
        hidden.decompose()
    for hidden in soup.find_all(_html_hidden):
        if not hidden.decomposed:
            hidden.decompose()
    blocks = list(_html_blocks(soup))
    return Extracted(blocks, 0, "html", metadata, opening(blocks))
