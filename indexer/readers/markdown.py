"""Markdown files (CommonMark with tables), with their YAML front matter as metadata."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from indexer.readers.base import BULLET, Block, Extracted, ExtractionError, opening, squash
from indexer.readers.text import decode_text

SUFFIXES = (".md", ".markdown")

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ExtractionError("front matter is not valid YAML: correct the block between the --- lines "
                              "at the top of the file, or remove it", str(error)) from error
    if not isinstance(data, dict):
        return {}, text[match.end():]
    # Only plain values: a list or mapping is never metadata, and its text can be made to
    # explode (a "billion laughs" of YAML aliases).
    metadata = {str(key).lower(): squash(str(value)) for key, value in data.items()
                if isinstance(value, (str, int, float, date))}
    return metadata, text[match.end():]


def _inline_text(token) -> str:
    """Visible text of a markdown-it inline token, without emphasis or link markup."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return squash("".join(parts))


def read(path: Path) -> Extracted:
    """Read a Markdown file into blocks."""
    metadata, body = _front_matter(decode_text(path))
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[Block] = []
    in_list = 0
    row: list[str] = []
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and any(row):
            blocks.append(Block(" | ".join(row)))
        elif token.type == "inline":
            opener = tokens[index - 1]
            text = _inline_text(token)
            if not text:
                continue
            if opener.type == "heading_open":
                blocks.append(Block(text, heading_level=int(opener.tag[1])))
            elif opener.type in ("th_open", "td_open"):
                row.append(text)
            else:
                blocks.append(Block(BULLET + text if in_list else text))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(Block(token.content.strip()))
    return Extracted(blocks, 0, "md", metadata, opening(blocks))
