"""Reading order on pages of pypdf layout text, in the shapes real reports take."""
from __future__ import annotations

from indexer.readers.pdf_layout import join_broken_paragraphs, reading_order, table_lines, table_rows

LEFT = ["The review found that the father was not seen", "by the midwife, who recorded him only as",
        "\u201cpartner\u201d at booking. The health visitor was", "told that he worked away, and he was not",
        "present"]
RIGHT = ["at the new birth visit. Nobody asked who else", "lived in the flat, and the notification from",
         "the police took six days to reach the health", "visiting service, by which time the family",
         "had moved."]
TWO_COLUMNS = [f"{left:<52}{right}" for left, right in zip(LEFT, RIGHT)]

JUSTIFIED = [
    "The   review   found   that   the   father   was   not   seen   by   the   midwife,   who",
    "recorded  him  only  as  partner  at  booking.  The  health  visitor  was  told  that  he",
    "worked    away,    and    he    was    not   present    at    the    new    birth    visit.",
    "Nobody  asked  who  else  lived  in  the  flat,  and  the  notification  took  six  days.",
]

CHRONOLOGY = [
    "Date              Agency            What happened",
    "March 2019        Police            Officers attended a report of",
    "                                    shouting at the flat",
    "April 2019        Health visiting   The new birth visit was made",
    "                                    with the mother alone",
]


def test_two_columns_are_read_one_after_the_other() -> None:
    text = " ".join(" ".join(join_broken_paragraphs(reading_order(TWO_COLUMNS))).split())
    assert text.startswith("The review found that the father was not seen by the midwife, who recorded "
                           "him only as \u201cpartner\u201d at booking.")
    assert "he was not present at the new birth visit. Nobody asked who else lived in the flat" in text


def test_justified_prose_is_neither_columns_nor_a_table() -> None:
    assert reading_order(JUSTIFIED) == JUSTIFIED
    assert table_lines(JUSTIFIED) == set()


def test_a_chronology_reads_row_by_row() -> None:
    assert table_lines(CHRONOLOGY) == set(range(len(CHRONOLOGY)))
    assert reading_order(CHRONOLOGY) == CHRONOLOGY  # a table is not a page of columns
    assert table_rows(CHRONOLOGY) == [
        "Date | Agency | What happened",
        "March 2019 | Police | Officers attended a report of shouting at the flat",
        "April 2019 | Health visiting | The new birth visit was made with the mother alone",
    ]
