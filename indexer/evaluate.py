"""Measured quality: the theme tagger against labelled passages, the ranking against judged
queries, and the text extraction against the sources the reports were made from."""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, replace
from pathlib import Path

from kb.base import KnowledgeBase
from kb.model import Passage
from kb.ranking import PARAMS, RankingParams
from kb.search import SearchRequest
from kb.text import clean, fold
from indexer.readers import ExtractionError, extract
from indexer.segment import segment
from indexer.learn import MODEL_EVIDENCE, feature_words
from indexer.tag import Tagger


def evaluate_themes(jsonl_path: Path, tagger: Tagger, errors: bool = False) -> dict:
    """Precision, recall and F1 (micro, macro and per theme) of the tagger on labelled passages.

    Each line of the file is ``{"id", "text", "themes": [...]}``; every text is tagged as a
    passage with no heading. Themes are those of the tagger's taxonomy plus any in the labels.
    With ``errors``, the result also lists every passage tagged wrongly, with each theme in
    doubt's evidence: the rules' score and phrases, the model's probability and its words.
    """
    records = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    passages = [Passage(seq=index, text=record["text"]) for index, record in enumerate(records)]
    docs = tagger.analyse(passages)
    gold = [set(record["themes"]) for record in records]
    result = score_predictions(gold, [set(passage.themes) for passage in passages], list(tagger.taxonomy.ids))
    if errors:
        result["errors"] = [_error(record, passage, doc, tagger) for record, passage, doc
                            in zip(records, passages, docs) if set(record["themes"]) != set(passage.themes)]
    return result


def _error(record: dict, passage: Passage, doc, tagger: Tagger) -> dict:
    """One wrongly tagged passage: expected and predicted themes, and why, theme by theme."""
    expected, predicted = set(record["themes"]), set(passage.themes)
    wrong = sorted(expected ^ predicted)
    words: dict[str, list] = {}
    probabilities: dict[str, float] = {}
    if tagger.model is not None and wrong:
        features = feature_words(doc, passage, list(tagger.taxonomy.ids))
        probabilities = tagger.model.predict([features])[0]
        words = tagger.model.explain(features, [t for t in wrong if t in tagger.model.labels])
    themes = {}
    for theme in wrong:
        themes[theme] = {
            "verdict": "missed" if theme in expected else "wrongly tagged",
            "rule_score": passage.theme_scores.get(theme, 0.0),
            "rule_evidence": [e for e in passage.evidence.get(theme, []) if not e.startswith(MODEL_EVIDENCE)],
            "model_score": round(probabilities[theme], 3) if theme in probabilities else None,
            "model_words": [{"word": word, "weight": weight} for word, weight in words.get(theme, [])],
        }
    return {"id": record.get("id", ""), "text": record["text"], "expected": sorted(expected),
            "predicted": sorted(predicted), "themes": themes}


def format_theme_errors(result: dict) -> str:
    """The wrongly tagged passages of an evaluation, for the terminal."""
    lines = []
    for error in result.get("errors", []):
        text = error["text"] if len(error["text"]) <= 300 else error["text"][:300].rstrip() + "\u2026"
        lines += ["", f"{error['id']}: {text}",
                  f"  expected:  {', '.join(error['expected']) or '-'}",
                  f"  predicted: {', '.join(error['predicted']) or '-'}"]
        for theme, why in error["themes"].items():
            model = "no model" if why["model_score"] is None else f"model {why['model_score']:.2f}"
            lines.append(f"  {why['verdict']} {theme}: rules {why['rule_score']:.1f}, {model}")
            if why["rule_evidence"]:
                lines.append(f"    rule phrases: {'; '.join(why['rule_evidence'])}")
            if why["model_words"]:
                lines.append("    model words: " + ", ".join(f"{w['word']} ({w['weight']:+.1f})"
                                                             for w in why["model_words"]))
    lines.append(f"\n{len(result.get('errors', []))} of {result['passages']} passages tagged wrongly")
    return "\n".join(lines)


def score_predictions(gold: list[set[str]], predicted: list[set[str]], theme_ids: list[str]) -> dict:
    """Precision, recall and F1 (micro, macro and per theme) of predicted against gold theme sets."""
    theme_ids = list(theme_ids) + sorted({t for themes in gold for t in themes} - set(theme_ids))
    counts = {theme: {"tp": 0, "fp": 0, "fn": 0} for theme in theme_ids}
    for expected, found in zip(gold, predicted):
        for theme in expected | found:
            key = "tp" if theme in expected and theme in found else "fn" if theme in expected else "fp"
            counts[theme][key] += 1
    per_theme = {theme: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]}
                 for theme, c in counts.items()}
    total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    scored = [per_theme[t] for t in theme_ids if per_theme[t]["support"] or counts[t]["fp"]]
    macro = {key: round(sum(s[key] for s in scored) / len(scored), 4) if scored else 0.0
             for key in ("precision", "recall", "f1")}
    return {"passages": len(gold), "micro": _prf(total["tp"], total["fp"], total["fn"]),
            "macro": macro, "per_theme": per_theme}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def format_theme_report(result: dict) -> str:
    """The evaluation as a table for the terminal: one row per theme, then micro and macro."""
    width = max([len(t) for t in result["per_theme"]] + [len("micro average")])
    lines = [f"{'theme':<{width}}  precision  recall     f1  support", "-" * (width + 35)]
    for theme, s in result["per_theme"].items():
        lines.append(f"{theme:<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
    lines.append("-" * (width + 35))
    for name in ("micro", "macro"):
        s = result[name]
        lines.append(f"{name + ' average':<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}")
    lines.append(f"{result['passages']} passages")
    return "\n".join(lines)

# -- search ranking -------------------------------------------------------------
CUTOFF = 10


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _stem(filename: str) -> str:
    return Path(filename).stem


def judge_ranking(returned: list[tuple[str, str]], relevant: list[dict]) -> dict[str, float]:
    """nDCG, MRR and recall at 10 for one query.

    ``returned`` holds (document file name, passage text) in rank order; a passage
    matches a judged item when the document names agree (without extension) and
    the passage contains the judged text, case and white space ignored. Each
    judged item counts once, for the first passage that contains it.
    """
    judged = [(_stem(item["doc"]), _normalise(item["contains"]), int(item["grade"]))
              for item in relevant]
    found: set[int] = set()
    gains: list[int] = []
    for filename, text in returned[:CUTOFF]:
        stem, body = _stem(filename), _normalise(text)
        matches = [i for i, (doc, contains, _) in enumerate(judged)
                   if i not in found and doc == stem and contains in body]
        found.update(matches)
        gains.append(max((judged[i][2] for i in matches), default=0))
    dcg = sum((2 ** gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal = sorted((grade for _, _, grade in judged), reverse=True)[:CUTOFF]
    idcg = sum((2 ** gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    first = next((rank for rank, gain in enumerate(gains) if gain > 0), None)
    return {
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "mrr@10": 1 / (first + 1) if first is not None else 0.0,
        "recall@10": len(found) / len(judged) if judged else 0.0,
    }


def read_queries(paths: list[Path]) -> list[dict]:
    """Judged queries: each line of each file is {"id", "query", "relevant": [...]}."""
    return [json.loads(line) for path in paths
            for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def judge_queries(queries: list[dict], kb: KnowledgeBase, plain: bool = False,
                  params: RankingParams = PARAMS, match: str = "relevant") -> list[dict]:
    """Each query's figures (and the share of the knowledge base's passages it counts)."""
    passages = max(1, kb.store.passage_count())
    scores = []
    for item in queries:
        response = kb.search(SearchRequest(q=item["query"], per_page=CUTOFF, match=match),
                             plain=plain, params=params)
        returned = [(r.document.filename, r.passage.text) for r in response.results]
        scores.append({**judge_ranking(returned, item["relevant"]),
                       "counted": response.total / passages})
    return scores


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {metric: round(sum(r[metric] for r in rows) / len(rows), 4) if rows else 0.0
            for metric in ("ndcg@10", "mrr@10", "recall@10")}


def evaluate_search(paths: list[Path], kb: KnowledgeBase) -> dict:
    """Mean nDCG@10, MRR@10 and recall@10 of the product's ranking and of the plain BM25 baseline.

    Each line of each file is {"id", "query", "relevant": [{"doc", "contains", "grade"}]}.
    """
    queries = read_queries(paths)
    product, baseline = judge_queries(queries, kb), judge_queries(queries, kb, plain=True)
    per_query = [{"id": item["id"], "query": item["query"], "product": ours, "baseline": plain}
                 for item, ours, plain in zip(queries, product, baseline)]
    return {**_mean(product), "baseline": _mean(baseline), "queries": len(queries),
            "per_query": per_query}


def format_search_report(result: dict) -> str:
    """A table of the product's and the baseline's figures, and the relative gain."""
    lines = [f"{result['queries']} queries", f"{'metric':<12}{'product':>10}{'baseline':>10}{'gain':>9}"]
    for metric in ("ndcg@10", "mrr@10", "recall@10"):
        product, baseline = result[metric], result["baseline"][metric]
        gain = f"{(product / baseline - 1) * 100:+.0f}%" if baseline else "n/a"
        lines.append(f"{metric:<12}{product:>10.3f}{baseline:>10.3f}{gain:>9}")
    return "\n".join(lines)


#: The values cross-validation tries for each ranking parameter (a coordinate search from
#: the current ones: each parameter in turn set to its best value on the training folds).
SEARCH_GRID: dict[str, tuple] = {
    "heading_weight": (0.0, 0.25, 0.5, 1.0, 2.0),
    "title_weight": (0.0, 0.1, 0.2, 0.5, 1.0),
    "synonym_weight": (0.0, 0.15, 0.3, 0.5, 0.8),
    "proximity_weight": (0.0, 0.25, 0.5, 1.0, 2.0),
    "proximity_slop": (0, 1, 3),
    "theme_boost": (0.0, 1.0, 2.0, 3.0, 5.0, 8.0),
    "drop_function_words": (False, True),
    "counted_share": (0.0, 0.34, 0.5, 0.6, 0.75, 1.0),
}
CV_ROUNDS = 2


def query_group(query_id: str) -> str:
    """Judged queries come in groups written together about one case ("L4-2": group L4):
    a group is never split between training and held-out folds."""
    return query_id.rsplit("-", 1)[0] if "-" in query_id else query_id


def cross_validate_search(paths: list[Path], kb: KnowledgeBase, folds: int = 5,
                          say=lambda line: None, grid: dict[str, tuple] | None = None) -> dict:
    """nDCG@10 of the ranking with its parameters chosen on other queries than those measured.

    Groups of queries go round-robin into ``folds`` folds; for each, the parameters are
    chosen on the other folds (a coordinate search over ``grid``, ``SEARCH_GRID`` unless
    given, from the shipped
    values, ``CV_ROUNDS`` rounds, the best mean nDCG@10 winning; for ``counted_share``, the
    largest share whose nDCG@10 is not below that of counting every match) and measured on
    it. Also gives the parameters chosen on all queries (to ship) and the baseline."""
    queries = read_queries(paths)
    grid = SEARCH_GRID if grid is None else grid
    groups = sorted({query_group(q["id"]) for q in queries})
    fold_of = {group: index % folds for index, group in enumerate(groups)}
    cache: dict[RankingParams, list[dict]] = {}

    def scores(params: RankingParams) -> list[dict]:
        if params not in cache:
            cache[params] = judge_queries(queries, kb, params=params)
            say(f"  measured {len(cache)} rankings")
        return cache[params]

    def mean_ndcg(params: RankingParams, chosen: list[int]) -> float:
        found = scores(params)
        return sum(found[i]["ndcg@10"] for i in chosen) / len(chosen)

    def tune(chosen: list[int]) -> RankingParams:
        params = PARAMS
        for _ in range(CV_ROUNDS):
            for name, values in grid.items():
                tried = {value: mean_ndcg(replace(params, **{name: value}), chosen)
                         for value in values}
                if name == "counted_share":  # counting fewer must not rank worse
                    floor = tried[values[0]] - 1e-9
                    best = max(value for value in values if tried[value] >= floor)
                else:
                    best = max(values, key=lambda value: (round(tried[value], 6),
                                                          value == getattr(params, name)))
                params = replace(params, **{name: best})
        return params

    baseline = judge_queries(queries, kb, plain=True)
    rows = []
    for fold in range(folds):
        held = [i for i, q in enumerate(queries) if fold_of[query_group(q["id"])] == fold]
        train = [i for i in range(len(queries)) if i not in held]
        if not held:
            continue
        say(f"fold {fold + 1}: tuning on {len(train)} queries")
        params = tune(train)
        found = scores(params)
        rows.append({"fold": fold + 1, "queries": len(held),
                     "groups": sorted({query_group(queries[i]["id"]) for i in held}),
                     "train_ndcg": round(mean_ndcg(params, train), 4),
                     "held_out": _mean([found[i] for i in held]),
                     "baseline": _mean([baseline[i] for i in held]),
                     "params": asdict(params), "per_query": [found[i] for i in held]})
    held_out = [row for fold in rows for row in fold.pop("per_query")]
    final = tune(list(range(len(queries))))
    return {"folds": rows, "queries": len(queries),
            "cross_validated": _mean(held_out), "baseline": _mean(baseline),
            "final_params": asdict(final), "final_on_all": _mean(scores(final)),
            "shipped_params": asdict(PARAMS), "shipped_on_all": _mean(scores(PARAMS))}


def format_cv_report(result: dict) -> str:
    """Per-fold held-out figures, the cross-validated mean against the baseline, and the
    parameters chosen on every query."""
    lines = [f"{result['queries']} queries, {len(result['folds'])} folds (query groups kept whole)",
             f"{'fold':<5}{'queries':>8}{'train nDCG':>12}{'held-out nDCG':>15}"
             f"{'baseline':>10}{'gain':>8}  parameters chosen on the other folds"]
    for row in result["folds"]:
        held, base = row["held_out"]["ndcg@10"], row["baseline"]["ndcg@10"]
        gain = f"{(held / base - 1) * 100:+.0f}%" if base else "n/a"
        chosen = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        lines.append(f"{row['fold']:<5}{row['queries']:>8}{row['train_ndcg']:>12.3f}"
                     f"{held:>15.3f}{base:>10.3f}{gain:>8}  {chosen}")
    lines.append("")
    lines.append(f"{'metric':<12}{'cross-validated':>16}{'baseline':>10}{'ratio':>8}")
    for metric in ("ndcg@10", "mrr@10", "recall@10"):
        ours, base = result["cross_validated"][metric], result["baseline"][metric]
        lines.append(f"{metric:<12}{ours:>16.3f}{base:>10.3f}"
                     f"{(ours / base if base else 0):>7.2f}x")
    lines.append("")
    lines.append("chosen on all queries: " + ", ".join(
        f"{k}={v}" for k, v in result["final_params"].items())
        + f" (nDCG@10 {result['final_on_all']['ndcg@10']:.3f} on the queries it was tuned on)")
    lines.append("shipped: " + ", ".join(f"{k}={v}" for k, v in result["shipped_params"].items())
                 + f" (nDCG@10 {result['shipped_on_all']['ndcg@10']:.3f})")
    return "\n".join(lines)


# -- extraction fidelity -----------------------------------------------------------
WORD = re.compile(r"\w+")
TABLE_CELL_SEPARATOR = " | "  # how every reader sets a table row: its cells in order
SOURCE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".docx")


def _words(text: str) -> list[str]:
    return WORD.findall(fold(clean(text)).casefold())


def _trigrams(words: list[str]) -> set[tuple[str, str, str]]:
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def extraction_fidelity(path: Path, source: Path) -> dict:
    """How faithfully a report file's stored passages keep the text of its source.

    The reference is what ingest stores for the source (a Markdown, text, HTML or DOCX
    file): the word trigrams of each of its lines (a paragraph, list item or table row).
    The score is the share of those trigrams found in the passages read from ``path``
    (words folded, case and punctuation ignored); ``table_rows`` is the same share for the
    source's table rows alone (``None`` when it has no table).
    """
    reference = segment(extract(source).blocks)
    lines = [line for passage in reference for line in passage.text.split("\n")]
    expected = set().union(*(_trigrams(_words(line)) for line in lines))
    in_tables = set().union(*(_trigrams(_words(line)) for line in lines if TABLE_CELL_SEPARATOR in line))
    found = set().union(*(_trigrams(_words(passage.text)) for passage in segment(extract(path).blocks)))

    def share(wanted: set) -> float | None:
        return round(len(wanted & found) / len(wanted), 4) if wanted else None

    return {"file": path.name, "source": source.name, "trigrams": len(expected),
            "found": len(expected & found), "score": share(expected),
            "table_trigrams": len(in_tables), "table_found": len(in_tables & found),
            "table_rows": share(in_tables)}


def evaluate_extraction(folder: Path, sources: Path) -> dict:
    """Extraction fidelity of every report in ``folder`` that has a source of the same name
    in ``sources``; totals are over all trigrams of all files."""
    by_stem = {path.stem: path for path in sorted(Path(sources).iterdir())
               if path.suffix.lower() in SOURCE_SUFFIXES}
    files, unmatched, failed = [], [], []
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.name == "catalogue.csv":
            continue
        source = by_stem.get(path.stem)
        if source is None or source == path:
            unmatched.append(path.name)
            continue
        try:
            files.append(extraction_fidelity(path, source))
        except ExtractionError as error:
            failed.append({"file": path.name, "reason": str(error)})

    def total(found: str, wanted: str) -> float | None:
        denominator = sum(f[wanted] for f in files)
        return round(sum(f[found] for f in files) / denominator, 4) if denominator else None

    return {"score": total("found", "trigrams"), "table_rows": total("table_found", "table_trigrams"),
            "files": files, "unmatched": unmatched, "failed": failed}


def format_extraction_report(result: dict) -> str:
    """One line per report (its score, and its table rows' score), then the totals."""
    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    width = max([len(f["file"]) for f in result["files"]] + [len("all files")])
    lines = [f"{'file':<{width}}  {'score':>6}  {'table rows':>10}", "-" * (width + 20)]
    lines += [f"{f['file']:<{width}}  {show(f['score']):>6}  {show(f['table_rows']):>10}"
              for f in result["files"]]
    lines.append("-" * (width + 20))
    lines.append(f"{'all files':<{width}}  {show(result['score']):>6}  {show(result['table_rows']):>10}")
    lines.append("score: share of the source's word trigrams found in the passages read from the file")
    for name in result["unmatched"]:
        lines.append(f"no source beside it: {name}")
    for failure in result["failed"]:
        lines.append(f"could not be read: {failure['file']}: {failure['reason']}")
    return "\n".join(lines)
