"""Smoke test of the benchmark's corpus generator (the benchmarks themselves run by hand)."""
from bench.generate import YEARS, Generator, parse_size
from bench.sample import SamplePassage, split_sentences

SAMPLE = [SamplePassage(sentences=split_sentences(
    f"Passage {n} says the health visitor saw the baby. The father was not seen at home. "
    f"Agencies did not share what they knew about the risk."), heading_path=["Findings"],
    themes=["fathers"] if n % 2 else [], age_groups=["baby"], passage_type="finding",
    agencies=["health"]) for n in range(20)]


def test_generates_the_requested_passages_with_metadata_and_tags_from_the_sample():
    documents = list(Generator(SAMPLE, seed=1).documents(500))
    passages = [p for d in documents for p in d.passages]
    assert len(passages) == 500
    assert all(d.year in YEARS and d.kind and d.publisher and d.page_count >= 1 for d in documents)
    assert {tuple(p["themes"]) for p in passages} == {("fathers",), ()}
    assert all(len(p["text"].split()) >= 20 for p in passages)


def test_same_seed_same_corpus():
    first = [d.passages for d in Generator(SAMPLE, seed=3).documents(100)]
    assert first == [d.passages for d in Generator(SAMPLE, seed=3).documents(100)]


def test_sizes():
    assert (parse_size("10k"), parse_size("1.5m"), parse_size("2500")) == (10_000, 1_500_000, 2500)
