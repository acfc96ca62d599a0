"""Choosing the ranking's parameters by cross-validation, and `kb search` saying what it
counted, on the sample corpus and its judged dev queries."""
from __future__ import annotations

from pathlib import Path

from cli import main
from kb.command_line import EXIT_OK, EXIT_USAGE
from indexer.evaluate import cross_validate_search, query_group, read_queries
from kb.ranking import PARAMS

QUERIES = sorted(Path(__file__).parents[1].joinpath("data").glob("queries-dev-*.jsonl"))


def test_each_query_is_held_out_once_and_groups_are_never_split(corpus_kb) -> None:
    grid = {"heading_weight": (0.5, 1.0)}
    result = cross_validate_search(QUERIES, corpus_kb, folds=3, grid=grid)
    queries = read_queries(QUERIES)
    held = [group for fold in result["folds"] for group in fold["groups"]]
    assert sorted(held) == sorted({query_group(q["id"]) for q in queries}), "each group once"
    assert sum(fold["queries"] for fold in result["folds"]) == len(queries) == 72
    for fold in result["folds"]:
        assert fold["params"]["heading_weight"] in grid["heading_weight"]
        assert fold["params"]["title_weight"] == PARAMS.title_weight, "only the grid varies"
    # The cross-validated figure is the mean over the held-out queries of each fold.
    weighted = sum(fold["held_out"]["ndcg@10"] * fold["queries"] for fold in result["folds"])
    assert abs(weighted / len(queries) - result["cross_validated"]["ndcg@10"]) < 0.002
    assert result["cross_validated"]["ndcg@10"] > result["baseline"]["ndcg@10"]


def test_kb_search_says_what_it_counted(corpus_data: Path, capsys) -> None:
    data = str(corpus_data)
    assert main(["search", "home educated child not seen", "--data", data]) == EXIT_OK
    out = capsys.readouterr().out
    assert "relevant passages (" in out and "mention any of the words" in out
    assert main(["search", "CAHMS", "--data", data]) == EXIT_OK
    assert "Searched for CAMHS" in capsys.readouterr().out
    assert main(["search", "dad midwife", "--match", "all", "--data", data]) == EXIT_OK
    assert main(["eval", "search", str(QUERIES[0]), "--cv", "1", "--data", data]) == EXIT_USAGE
