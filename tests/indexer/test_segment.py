"""Passages from blocks: word bounds, heading paths, and no merging across headings."""
from __future__ import annotations

import docx
import pytest

from indexer.readers import Block, extract
from indexer.segment import NUMBERED_ITEM, segment
from tests.conftest import CORPUS

CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix != ".csv")


def _words(count: int, start: int = 0) -> str:
    return " ".join(f"word{i}" for i in range(start, start + count)) + "."


def test_short_paragraphs_merge_until_min_words() -> None:
    blocks = [Block("Findings", 1, 1, 1), Block("The review found:", 1, 1),
              Block("• " + _words(20), 1, 1), Block("• " + _words(30), 2, 2), Block(_words(60), 2, 2)]
    passages = segment(blocks, min_words=40, max_words=300)
    assert [p.text.count("\n") for p in passages] == [2, 0]
    assert passages[0].text.startswith("The review found:\n• word0")
    assert (passages[0].page_start, passages[0].page_end) == (1, 2)
    assert [p.seq for p in passages] == [0, 1]


def test_each_numbered_recommendation_is_its_own_passage() -> None:
    blocks = [Block("Recommendations", 6, 6, 1), Block("The review makes three recommendations.", 6, 6),
              Block("Recommendation 1: The board should " + _words(12), 6, 6),
              Block("Recommendation 2. Health visitors should " + _words(10), 6, 6),
              Block("This applies to every new birth visit.", 6, 6),
              Block("Recommendation 3 The partnership should " + _words(8), 7, 7)]
    passages = segment(blocks, min_words=40, max_words=300)
    assert [p.text.split("\n")[0][:16] for p in passages] == [
        "The review makes", "Recommendation 1", "Recommendation 2", "Recommendation 3"]
    assert passages[2].text.endswith("every new birth visit.")
    assert passages[3].page_start == 7


def test_long_paragraph_splits_at_sentences_into_even_parts() -> None:
    sentences = [f"Sentence {i} has exactly seven words here." for i in range(100)]  # 700 words
    passages = segment([Block(" ".join(sentences), 3, 4)], min_words=40, max_words=300)
    sizes = [len(p.text.split()) for p in passages]
    assert len(passages) == 3 and all(200 <= size <= 300 for size in sizes)
    assert all(p.text.endswith("here.") for p in passages)
    assert " ".join(p.text for p in passages) == " ".join(sentences)


def test_never_merges_across_headings_and_paths_follow_levels() -> None:
    blocks = [Block("Review of Child M", heading_level=1), Block("4. Findings", heading_level=2),
              Block("4.1 Seeing the child", heading_level=3), Block("Short one."),
              Block("4.2 Information sharing", heading_level=3), Block("Another short one."),
              Block("5. Recommendations", heading_level=2), Block("Recommendation 1: share.")]
    passages = segment(blocks)
    assert [(p.text, p.heading_path) for p in passages] == [
        ("Short one.", ["Review of Child M", "4. Findings", "4.1 Seeing the child"]),
        ("Another short one.", ["Review of Child M", "4. Findings", "4.2 Information sharing"]),
        ("Recommendation 1: share.", ["Review of Child M", "5. Recommendations"])]


def test_contents_list_is_dropped() -> None:
    blocks = [Block("Contents", heading_level=2), Block("• Introduction"), Block("• Findings"),
              Block("1. Introduction", heading_level=2), Block(_words(50))]
    assert [p.heading_path for p in segment(blocks)] == [["1. Introduction"]]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_passages_respect_bounds(path) -> None:
    passages = segment(extract(path).blocks)
    assert passages
    by_heading: dict[tuple[str, ...], int] = {}
    for passage in passages:
        by_heading[tuple(passage.heading_path)] = by_heading.get(tuple(passage.heading_path), 0) + 1
    for passage in passages:
        words = len(passage.text.split())
        assert words <= 300
        if words < 40:  # only a whole short section or a numbered item may stay short
            assert by_heading[tuple(passage.heading_path)] == 1 or \
                NUMBERED_ITEM.match(passage.text), passage
        assert all("contents" != h.lower() for h in passage.heading_path)


def test_corpus_heading_path() -> None:
    passages = segment(extract(CORPUS / "2019-national-annual-report-2018-19.pdf").blocks)
    passage = next(p for p in passages if p.heading_path[-1] == "6.3 Professional curiosity")
    assert passage.heading_path[-2].startswith("6. ")
    assert passage.page_start == 5


def _sizes_within_bounds(passages) -> list[int]:
    sizes = [len(p.text.split()) for p in passages]
    assert all(40 <= size <= 300 for size in sizes), sizes
    return sizes


def test_long_block_without_any_punctuation_splits_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(700))
    passages = segment([Block("Findings", 2, 2, 1), Block(text, 2, 3)])
    assert len(_sizes_within_bounds(passages)) == 3
    assert " ".join(p.text for p in passages) == text
    assert all((p.page_start, p.page_end, p.heading_path) == (2, 3, ["Findings"]) for p in passages)


def test_long_sentence_of_clauses_splits_at_semicolons() -> None:
    clauses = [f"clause {i} " + " ".join(f"w{i}x{j}" for j in range(18)) for i in range(35)]  # 700 words
    text = "; ".join(clauses) + "."
    passages = segment([Block(text)])
    assert len(_sizes_within_bounds(passages)) == 3
    assert all(p.text.endswith(";") for p in passages[:-1]) and passages[-1].text.endswith(".")
    assert " ".join(p.text for p in passages) == text


def test_long_sentence_prefers_semicolons_and_colons_to_commas() -> None:
    # 4 parts of 100 words each, joined by ':' and ';', each part with commas every 10 words
    parts = [", ".join(" ".join(f"p{k}w{i}x{j}" for j in range(10)) for i in range(10)) for k in range(4)]
    text = f"{parts[0]}: {parts[1]}; {parts[2]}; {parts[3]}"
    passages = segment([Block(text)])
    _sizes_within_bounds(passages)
    assert [p.text for p in passages] == [f"{parts[0]}: {parts[1]};", f"{parts[2]}; {parts[3]}"]


def test_long_sentence_with_commas_only_splits_at_commas() -> None:
    phrases = [" ".join(f"c{i}x{j}" for j in range(15)) for i in range(40)]  # 600 words
    text = ", ".join(phrases)
    passages = segment([Block(text)])
    assert len(_sizes_within_bounds(passages)) == 2
    assert passages[0].text.endswith(",")
    assert " ".join(p.text for p in passages) == text


def test_one_unpunctuated_sentence_among_ordinary_ones() -> None:
    ordinary = [f"Sentence {i} has exactly seven words here." for i in range(20)]  # 140 words
    run_on = " ".join(f"word{i}" for i in range(450))
    text = " ".join(ordinary[:10]) + " " + run_on + ". " + " ".join(ordinary[10:])
    passages = segment([Block(text)])
    _sizes_within_bounds(passages)
    assert " ".join(p.text for p in passages) == text
    assert passages[0].text.startswith("Sentence 0 ") and passages[-1].text.endswith("Sentence 19 has exactly "
                                                                                      "seven words here.")


def test_run_on_paragraphs_in_a_real_file_give_passages_within_bounds(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("4. Findings", level=1)
    document.add_paragraph(" ".join(f"word{i}" for i in range(700)))
    document.add_paragraph("; ".join(f"clause {i} " + " ".join(f"w{i}x{j}" for j in range(18))
                                     for i in range(35)))
    path = tmp_path / "run-on.docx"
    document.save(path)
    passages = segment(extract(path).blocks)
    assert len(_sizes_within_bounds(passages)) == 6
    assert all(p.heading_path == ["4. Findings"] for p in passages)
