"""Plain text files, and the decoding every text format (text, Markdown, HTML) shares:
UTF-8, UTF-16 with a byte-order mark, or Western European Windows-1252; anything else refused."""
from __future__ import annotations

import re
from pathlib import Path

from kb.text import clean
from indexer.readers.base import Extracted, ExtractionError, opening
from indexer.readers.lines import HeadingLeveller, blocks_from_plain_lines, known_hyphenations

SUFFIXES = (".txt",)


def _is_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(2, len(text) // 1000)


# Windows-1252 is accepted only for text that reads as Western European: Latin-1 letters, and
# the punctuation and signs such text uses. Other 8-bit encodings (KOI8-R, ISO-8859-2, Windows-1251
# ...) also decode as Windows-1252 without error, but into nonsense that must not be indexed.
CP1252_LETTERS = frozenset(chr(c) for c in range(0xC0, 0x100) if chr(c) not in "×÷") | frozenset("ŒœŠšŽžŸ")
CP1252_SIGNS = frozenset("‘’‚“”„–—…•·£€¢¥©®™°§¶†‡‰‹›«»¡¿ªº½¼¾¹²³±×÷µ´\xa0\xad")
# Signs that may sit between two letters in real text (don’t, mother—who, l·l); any other sign
# there is a letter of another encoding ("Przegl±d" is Polish "Przegląd" in ISO-8859-2).
CP1252_JOINERS = frozenset("‘’“”–—·…\xa0\xad")
MAX_CP1252_LETTER_RUN = 2   # "créée", "Größe"; Cyrillic or Greek read as Latin-1 gives whole words
MAX_CP1252_SHARE = 0.25     # of the non-space characters, once there are a few
# Bytes that form UTF-8 sequences: a file made mostly of them is UTF-8 with a stray byte, and
# reading it as Windows-1252 would turn every "é" into "Ã©".
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
NOT_TEXT = ("not a text file: it holds binary data (perhaps another kind of file with a text "
            "file's name); check that it is the report, and save it as text, PDF or DOCX")
NOT_UTF8 = ("not a text file: the encoding is neither UTF-8 nor Windows-1252 (Western European); "
            "save it as UTF-8 and index it again")


def _plausible_cp1252(text: str) -> bool:
    """Whether text decoded as Windows-1252 reads like Western European text."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if any(ch not in CP1252_LETTERS and ch not in CP1252_SIGNS for ch in non_ascii):
        return False
    visible = sum(1 for ch in text if not ch.isspace())
    if len(non_ascii) >= 10 and len(non_ascii) > MAX_CP1252_SHARE * visible:
        return False
    run = 0
    for index, ch in enumerate(text):
        run = run + 1 if ch in CP1252_LETTERS else 0
        if run > MAX_CP1252_LETTER_RUN:
            return False
        if ch in CP1252_SIGNS and ch not in CP1252_JOINERS and 0 < index < len(text) - 1 \
                and text[index - 1].isalpha() and text[index + 1].isalpha():
            return False
    return True


def decode_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or Western European
    Windows-1252; binary and other encodings are refused."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ExtractionError("not a text file: its UTF-16 text is damaged; open it and save it as "
                                  "UTF-8 text, then index it again", str(error)) from error
    elif b"\x00" in data[:8192]:
        raise ExtractionError(NOT_TEXT)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                raise ExtractionError(NOT_UTF8) from error
            sequences = UTF8_SEQUENCE.findall(data)
            if len(sequences) > 1 and sum(map(len, sequences)) * 2 > sum(1 for byte in data if byte > 127):
                raise ExtractionError(NOT_UTF8)
            if not _is_binary(text) and not _plausible_cp1252(text):
                raise ExtractionError(NOT_UTF8) from None
    if _is_binary(text):
        raise ExtractionError(NOT_TEXT)
    return clean(text)  # before parsing: a stray control character is no syntax error


def read(path: Path) -> Extracted:
    """Read a plain text file into blocks."""
    lines = decode_text(path).split("\n")
    blocks = blocks_from_plain_lines(lines, None, HeadingLeveller(), known_hyphenations(lines))
    return Extracted(blocks, 0, "txt", {}, opening(blocks))
