"""Text normalisation shared by ingest, the tagger, the search analyser and terminal output.

Two steps, kept apart:

- ``clean`` is applied once, at ingest, to everything stored: Unicode NFKC (ligature glyphs
  such as "ﬁ" become "fi", full-width forms become ASCII), soft hyphens and zero-width
  characters removed, control characters removed (C0 and C1, except tab and newline).
  Typographic quotes survive ``clean``, so pages show the report as it was set.
- ``fold`` is applied for *matching* (tagger rules, the search analyser, queries): it maps
  typographic apostrophes, quotes and dashes to their ASCII forms one character for one, so
  offsets found in the folded text are valid in the cleaned text.
"""
from __future__ import annotations

import re
import unicodedata

#: Characters that carry no text: soft hyphen, zero-width space/joiners, word joiner, BOM.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
#: C0 controls except tab and newline, DEL, and C1 controls.
_CONTROLS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n") + "\x7f" + \
    "".join(chr(c) for c in range(0x80, 0xA0))
_DROP = str.maketrans("", "", _INVISIBLE + _CONTROLS)
_DROP_CONTROLS = str.maketrans("", "", _CONTROLS)
_CR = re.compile(r"\r\n?")

#: One character for one: typographic forms to the ASCII a person types.
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
})


def clean(text: str) -> str:
    """The text as stored: NFKC, no invisible or control characters, ``\\n`` line ends."""
    text = _CR.sub("\n", text)
    return unicodedata.normalize("NFKC", text.translate(_DROP)).translate(_DROP)


def fold(text: str) -> str:
    """Typographic quotes, apostrophes and dashes as ASCII, keeping every offset."""
    return text.translate(_FOLD)


def for_terminal(text: str) -> str:
    """``text`` safe to print: control characters (escape sequences among them) removed."""
    return text.translate(_DROP_CONTROLS)
