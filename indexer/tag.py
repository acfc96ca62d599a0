"""Rule-based tagging of passages: themes with scores and evidence, age groups, passage type, agencies.

Everything the tagger looks for comes from the taxonomy file (themes, scoring) and its facet
tables; this module only compiles those tables into spaCy matchers (blank English pipeline with
the lookup lemmatizer, PhraseMatcher on LEMMA and LOWER, Matcher, SpanRuler) and scores.
A proximity rule (``near``) is a chain of term lists, each found on lemmas by one more
PhraseMatcher, the next starting within a few tokens of the one before in the same sentence: a
family of expressions ("nobody" ... "asked" ... "the child") costs a phrase lookup, not a pattern.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from kb.model import Passage
from kb.taxonomy import Taxonomy, TaxonomyError
from kb.text import fold
from indexer.learn import MODEL_EVIDENCE, ThemeModel, combine, feature_words

ALL = "*"  # theme slot of exclusions and negation cues that apply to every theme
FACETS_KEY = "facets"


class _AnchoredPatterns:
    """spaCy token patterns, each tried only on passages that hold, for every token of the
    pattern that names its words, one of those words (its anchors): a passage is matched
    against a handful of the taxonomy's patterns instead of all of them, with the same results."""

    #: Matchers holding the patterns eligible together on a passage (one call for all of them
    #: costs less than one call each), the most recently used kept.
    COMBINATIONS_KEPT = 2048

    def __init__(self, vocab) -> None:
        self.vocab = vocab
        self._patterns: list[tuple[list[tuple[int, frozenset[int]]], Matcher]] = []
        self._sources: list[tuple[str, list[dict]]] = []
        self._combinations: dict[tuple[int, ...], Matcher] = {}
        self._seen: dict[tuple[int, ...], None] = {}  # combinations met once, oldest first

    def add(self, key: str, pattern: list[dict]) -> None:
        matcher = Matcher(self.vocab, validate=True)
        matcher.add(key, [pattern])
        anchors = [(_ATTRIBUTES.index(attribute), frozenset(self.vocab.strings.add(w) for w in words))
                   for attribute, words in _anchors(pattern)]
        self._patterns.append((anchors, matcher))
        self._sources.append((key, pattern))

    def __len__(self) -> int:
        return len(self._patterns)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        columns = doc.to_array(list(_ATTRIBUTES)).T.tolist() if len(doc) else [[]] * 3
        present = [set(column) for column in columns]  # the doc's words, as string ids
        eligible = tuple(index for index, (anchors, _) in enumerate(self._patterns)
                         if all(not words.isdisjoint(present[attribute]) for attribute, words in anchors))
        if not eligible:
            return []
        matcher = self._combined(eligible) if len(eligible) > 1 else None
        if matcher is None:
            return [match for index in eligible for match in self._patterns[index][1](doc)]
        return matcher(doc)

    def _combined(self, eligible: tuple[int, ...]) -> Matcher | None:
        """The matcher of a combination seen before (building one costs more than one passage's
        separate calls, so a combination is built the second time it is met), else None."""
        matcher = self._combinations.pop(eligible, None)
        if matcher is None:
            if eligible not in self._seen:
                self._seen[eligible] = None
                if len(self._seen) > self.COMBINATIONS_KEPT:
                    self._seen.pop(next(iter(self._seen)))
                return None
            matcher = Matcher(self.vocab)
            for index in eligible:
                key, pattern = self._sources[index]
                matcher.add(key, [pattern])
            if len(self._combinations) >= self.COMBINATIONS_KEPT:
                self._combinations.pop(next(iter(self._combinations)))
        self._combinations[eligible] = matcher
        return matcher


_ATTRIBUTES = ("LOWER", "LEMMA", "ORTH")


def _anchors(pattern: list[dict]) -> list[tuple[str, frozenset[str]]]:
    """For each required token of a pattern that names its words: the attribute and the words,
    one of which a match must contain."""
    anchors = []
    for spec in pattern:
        if spec.get("OP", "1") not in ("1", "+"):
            continue
        for attribute in ("LEMMA", "LOWER", "ORTH"):
            value = spec.get(attribute)
            words = {value} if isinstance(value, str) else \
                set(value["IN"]) if isinstance(value, dict) and list(value) == ["IN"] else None
            if words:
                anchors.append((attribute, frozenset(words)))
                break
    return anchors


@Language.factory("kb_lower_lemma")
def _make_lower_lemma(nlp: Language, name: str) -> "_LowerLemma":
    return _LowerLemma(nlp)


class _LowerLemma:
    """Lower-case every lemma, looking capitalised words up again ("Fathers" -> "father")."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self._table: dict | None = None
        self._lower_lemmas: set[int] = set()  # lemmas (string ids) already in lower case

    def __call__(self, doc: Doc) -> Doc:
        if self._table is None:
            self._table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        strings = doc.vocab.strings
        # Read the flags as arrays and touch only the tokens whose lemma changes: a Token object
        # for every word costs more than the rest of the work.
        for i, (is_lower, lemma) in enumerate(doc.to_array(["IS_LOWER", "LEMMA"]).tolist()):
            if is_lower:
                if lemma not in self._lower_lemmas:
                    text = strings[lemma]
                    if text == text.lower():
                        self._lower_lemmas.add(lemma)
                    else:
                        doc[i].lemma_ = text.lower()
                continue
            token = doc[i]
            if _ACRONYM_PLURAL.match(token.text):  # "GPs", "EHCPs", "DSLs" -> "gp", "ehcp", "dsl"
                token.lemma_ = token.lower_[:-1]
            else:
                token.lemma_ = self._table.get(token.lower_, token.lower_)
        return doc


_ACRONYM_PLURAL = re.compile(r"^[A-Z]{2,}s$")


@dataclass(frozen=True)
class _NearRule:
    """A compiled proximity rule: the signal it gives and how its parts must follow each other."""

    theme: str
    tier: str
    name: str
    parts: int
    windows: tuple[int, ...]  # the most tokens between each part and the next
    ordered: bool
    to_sentence_end: bool  # the match runs on to the end of its sentence


#: Tokens a proximity rule's chain may not cross: the end of a sentence or of an item in a list.
_CHAIN_STOPS = frozenset({".", "?", "!", ";", ":"})
_SENTENCE_ENDS = frozenset({".", "?", "!"})
#: The term of a proximity rule that stands for a person's name (a capitalised word in mid-sentence).
NAME_TERM = "<name>"
#: Capitalised words that are not names, and titles after which a name is an adult's.
_NOT_NAMES = ("Mr", "Ms", "Mrs", "Miss", "Dr", "I", "The", "A", "An", "In", "On", "At", "Council", "Court",
              "Panel", "Review", "Children", "Social", "Care", "Services", "Service", "Team", "Police", "Trust",
              "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
              "English", "British", "Year", "Christmas", "Easter", "Early", "Help", "Child", "Baby")


@dataclass(frozen=True)
class _Hit:
    """One signal found in a text: a theme, a tier and the term (or pattern) that matched."""

    theme: str
    tier: str
    term: str
    start: int
    end: int


class Tagger:
    """Tags passages with the themes and facets of a taxonomy."""

    def __init__(self, taxonomy: Taxonomy, model: ThemeModel | None = None) -> None:
        self.taxonomy = taxonomy
        self.model = model
        scoring = taxonomy.scoring
        self.weights: dict[str, float] = {tier: float(w) for tier, w in scoring.get("weights", {}).items()}
        self.threshold = float(scoring.get("threshold", 1.0))
        self.heading_weight = float(scoring.get("heading_weight", 0.0))
        self.negation_window = int(scoring.get("negation_window", 0))
        self.skip_headings = tuple(_norm(h) for h in scoring.get("skip_headings", []))
        self.skip_openings = tuple(_norm(h) for h in scoring.get("skip_openings", []))
        self.list_min_items = int(scoring.get("list_min_items", 0))
        self.list_mean_words = float(scoring.get("list_mean_item_words", 0))
        self.list_statement_words = {w.lower() for w in scoring.get("list_statement_words", [])}
        prose = scoring.get("prose_lists", {})
        self.prose_min_items = int(prose.get("min_items", 0))
        self.prose_max_item_words = int(prose.get("max_item_words", 6))
        self.prose_heads = {head.lower() for head in prose.get("role_heads", [])}
        self.prose_fillers = {word.lower() for word in prose.get("fillers", [])}
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.add_pipe("kb_lower_lemma")
        self.nlp.initialize()
        self._lemma_matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._lower_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._matcher = _AnchoredPatterns(self.nlp.vocab)
        self._near_matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._near_rules: list[_NearRule] = []
        self._near_parts: dict[int, tuple[int, int]] = {}  # match id -> (rule, part)
        self._near_keys: set[tuple[str, str, str]] = set()  # (theme, tier, name) of every proximity rule
        self._near_name_parts: dict[int, list[int]] = {}  # rule -> its parts that take a person's name
        strings = self.nlp.vocab.strings
        self._not_names = frozenset(strings.add(word) for word in _NOT_NAMES)
        self._chain_stop_ids = frozenset(strings.add(text) for text in _CHAIN_STOPS)
        self._sentence_end_ids = frozenset(strings.add(text) for text in _SENTENCE_ENDS)
        self._clause_end_ids = frozenset(strings.add(text) for text in (".", "?", "!", ":"))
        self._item_separator_ids = frozenset(strings.add(text) for text in (",", ";", "and", "or"))
        self._age_groups_signals: dict[str, dict[str, list[str]]] = {}
        self._compile_themes()
        self._facets = _Facets(taxonomy)
        self._facets.install(self.nlp)

    # -- compiling ----------------------------------------------------------
    def _compile_themes(self) -> None:
        where = str(self.taxonomy.path)
        for theme in self.taxonomy.themes:
            for tier, table in theme.signals.items():
                self._add_signals(f"{where}: theme {theme.id!r} signals.{tier}", theme.id, tier, table)
                if table.get("age_groups"):
                    self._age_groups_signals.setdefault(theme.id, {})[tier] = list(table["age_groups"])
        scoring = self.taxonomy.scoring
        self._add_signals(f"{where}: [scoring] exclude", ALL, "exclude", scoring.get("exclude", {}))
        self._add_signals(f"{where}: [scoring] negation_cues", ALL, "negation",
                          {"lemmas": scoring.get("negation_cues", []),
                           "patterns": scoring.get("negation_patterns", [])})

    def _add_signals(self, where: str, theme: str, tier: str, table: dict) -> None:
        for term in table.get("lemmas", []):
            self._lemma_matcher.add(f"{theme}|{tier}|{term}", [self._lemmatise(term)])
        for term in table.get("phrases", []):
            self._lower_matcher.add(f"{theme}|{tier}|{term}", [self.nlp.make_doc(term)])
        for index, pattern in enumerate(table.get("patterns", [])):
            try:
                self._matcher.add(f"{theme}|{tier}|pattern {index + 1}", pattern)
            except Exception as error:  # spaCy raises several kinds for a bad pattern
                raise TaxonomyError(f"{where}: pattern {index + 1} is not a valid spaCy pattern ({error})") from None
        for rule in table.get("near", []):
            index = len(self._near_rules)
            self._near_keys.add((theme, tier, rule["name"]))
            window = rule.get("window", 0)
            windows = tuple(window) if isinstance(window, list) else (window,) * (len(rule["terms"]) - 1)
            self._near_rules.append(_NearRule(theme, tier, rule["name"], len(rule["terms"]), windows,
                                              bool(rule.get("ordered", True)), bool(rule.get("sentence", False))))
            for part, terms in enumerate(rule["terms"]):
                key = f"{index}|{part}"
                if NAME_TERM in terms:
                    self._near_name_parts.setdefault(index, []).append(part)
                words = [term for term in terms if term != NAME_TERM]
                if words:
                    self._near_matcher.add(key, [self._lemmatise(term) for term in words])
                self._near_parts[self.nlp.vocab.strings[key]] = (index, part)

    def _lemmatise(self, text: str) -> Doc:
        return self.nlp(text)

    # -- tagging ------------------------------------------------------------
    def tag(self, passages: list[Passage], batch_size: int = 64) -> None:
        """Fill themes, theme_scores, evidence, age_groups, passage_type and agencies in place.

        The matchers see the text folded (typographic quotes and apostrophes as ASCII, one
        character for one), so evidence is cut from the passage's own text at the same offsets.
        """
        self.analyse(passages, batch_size)

    def analyse(self, passages: list[Passage], batch_size: int = 64) -> list[Doc]:
        """Tag ``passages`` with the rules (as ``tag``) and return their analysed docs."""
        headings = sorted({p.heading for p in passages if p.heading})
        heading_hits = {heading: self._theme_hits(doc) for heading, doc in
                        zip(headings, self.nlp.pipe((fold(h) for h in headings), batch_size=batch_size))}
        texts = (fold(passage.text) for passage in passages)
        docs = []
        for passage, doc in zip(passages, self.nlp.pipe(texts, batch_size=batch_size)):
            docs.append(doc)
            facets = self._facets.read(doc, passage.heading_path)
            passage.age_groups = facets.age_groups
            passage.agencies = facets.agencies
            passage.passage_type = facets.passage_type
            if self._is_reference_matter(passage):
                passage.themes, passage.theme_scores, passage.evidence = [], {}, {}
                continue
            self._score(passage, doc, heading_hits.get(passage.heading, []))
        if self.model is not None:
            self._learn(passages, docs)
        return docs

    def _learn(self, passages: list[Passage], docs: list[Doc]) -> None:
        """Apply the learned layer: each theme's probability from the passage's words and the
        rules' scores (under the threshold too); a tag the rules did not make gets, as evidence,
        its sub-threshold rule phrases and the words that raised its probability most."""
        ids = list(self.taxonomy.ids)
        chosen = [(p, d) for p, d in zip(passages, docs) if not self._is_reference_matter(p)]
        features = [feature_words(doc, passage, ids) for passage, doc in chosen]
        probabilities = self.model.predict(features)
        for (passage, _), words, cats in zip(chosen, features, probabilities):
            cats = {theme: p for theme, p in cats.items() if theme in self.taxonomy.ids}
            passage.model_scores = {theme: round(p, 3) for theme, p in cats.items()
                                    if p >= 0.05 or theme in passage.theme_scores}
            themes = combine(passage.themes, cats, self.model.config)
            learned = [theme for theme in ids if theme in themes and theme not in passage.themes]
            if learned:
                reasons = self.model.explain(words, learned)
                for theme in learned:
                    passage.evidence[theme] = passage.evidence.get(theme, []) + [
                        f"{MODEL_EVIDENCE}{word} (+{gain:.1f})" for word, gain in reasons[theme]]
            passage.themes = [theme for theme in ids if theme in themes]
            passage.evidence = {theme: passage.evidence.get(theme, [])
                                for theme in set(passage.theme_scores) | set(passage.themes)}

    def _score(self, passage: Passage, doc: Doc, heading: list[_Hit]) -> None:
        scores: Counter[str] = Counter()
        evidence: dict[str, list[str]] = {}
        for hit in self._theme_hits(doc):
            weight = self.weights[hit.tier]
            scores[hit.theme] += weight
            if weight > 0:
                span = doc[hit.start:hit.end]
                _add_unique(evidence.setdefault(hit.theme, []),
                            _clip(passage.text[span.start_char:span.end_char]))
        for theme, tiers in self._age_groups_signals.items():
            for tier, groups in tiers.items():
                named = [group for group in groups if group in passage.age_groups]
                if named:
                    scores[theme] += self.weights[tier]
                    _add_unique(evidence.setdefault(theme, []), f"age: {', '.join(named)}")
        heading_scores = Counter[str]()
        for hit in heading:
            heading_scores[hit.theme] += self.weights[hit.tier]
        for theme, value in heading_scores.items():
            if value >= self.threshold:
                scores[theme] += self.heading_weight
                _add_unique(evidence.setdefault(theme, []), f"heading: {passage.heading}")
        order = {theme_id: index for index, theme_id in enumerate(self.taxonomy.ids)}
        passage.theme_scores = {theme: round(value, 2) for theme, value in
                                sorted(scores.items(), key=lambda item: order[item[0]]) if value > 0}
        passage.themes = [theme for theme, value in passage.theme_scores.items() if value >= self.threshold - 1e-9]
        passage.evidence = {theme: evidence.get(theme, []) for theme in passage.theme_scores}

    def _theme_hits(self, doc: Doc) -> list[_Hit]:
        """Distinct signals in a doc, after exclusions, negation and nesting are applied."""
        matchers = (m for m in (self._lemma_matcher, self._lower_matcher, self._matcher) if len(m))
        raw = [(*self.nlp.vocab.strings[match_id].split("|", 2), start, end)
               for matcher in matchers for match_id, start, end in matcher(doc)]
        orth = doc.to_array("ORTH").tolist()  # the words as string ids, read once (faster than tokens)
        raw += self._near_hits(doc, orth)
        exclusions = [(theme, start, end) for theme, tier, _, start, end in raw if tier == "exclude"]
        exclusions += [(ALL, start, end) for start, end in self._agency_lists(doc, orth)]
        cue_ends = [end for theme, tier, _, start, end in raw if tier == "negation"]
        hits = [_Hit(theme, tier, term, start, end) for theme, tier, term, start, end in raw
                if tier in self.weights
                and not any(ex_theme in (ALL, theme) and start < ex_end and ex_start < end
                            for ex_theme, ex_start, ex_end in exclusions)
                and not any(cue_end <= start < cue_end + self.negation_window for cue_end in cue_ends)]
        best: dict[tuple[str, int, int], _Hit] = {}
        for hit in hits:  # one signal per span and theme: the heaviest
            key = (hit.theme, hit.start, hit.end)
            if key not in best or self.weights[hit.tier] > self.weights[best[key].tier]:
                best[key] = hit
        hits = [hit for hit in best.values() if not self._nested(hit, best.values())]
        distinct: dict[tuple[str, str, str], _Hit] = {}
        for hit in sorted(hits, key=lambda h: h.start):
            distinct.setdefault((hit.theme, hit.tier, hit.term), hit)
        return list(distinct.values())

    def _near_hits(self, doc: Doc, orth: list[int]) -> list[tuple[str, str, str, int, int]]:
        """Matches of the proximity rules: (theme, tier, rule name, start, end) of each chain."""
        if not self._near_rules:
            return []
        found: dict[int, list[dict[int, int]]] = {}  # rule -> for each part, start -> end of its longest term
        for match_id, start, end in self._near_matcher(doc):
            index, part = self._near_parts[match_id]
            starts = found.setdefault(index, [{} for _ in range(self._near_rules[index].parts)])[part]
            starts[start] = max(end, starts.get(start, end))
        names: list[int] | None = None
        for index, name_parts in self._near_name_parts.items():
            parts_found = found.get(index) or [{} for _ in range(self._near_rules[index].parts)]
            if all(starts or part in name_parts for part, starts in enumerate(parts_found)):
                if names is None:
                    names = self._names(doc, orth)
                for part in name_parts:
                    parts_found[part].update((i, i + 1) for i in names if i not in parts_found[part])
                found[index] = parts_found
        hits = []
        for index, parts_found in found.items():
            if not all(parts_found):
                continue
            spans = [list(starts.items()) for starts in parts_found]
            rule = self._near_rules[index]
            orders = [(spans, rule.windows)] if rule.ordered else [(spans, rule.windows),
                                                                   (spans[::-1], rule.windows[::-1])]
            for parts, windows in orders:
                for start, end in sorted(parts[0]):
                    chain_end = self._chain(orth, parts[1:], end, windows)
                    if chain_end is not None and rule.to_sentence_end:
                        chain_end = next((i + 1 for i in range(chain_end, len(orth))
                                          if orth[i] in self._sentence_end_ids), len(orth))
                    if chain_end is not None:
                        hits.append((rule.theme, rule.tier, rule.name, start, chain_end))
        return hits

    def _names(self, doc: Doc, orth: list[int]) -> list[int]:
        """Tokens that read as a person's name ("Amira", "Kai"): capitalised words not opening a
        sentence or a clause, not a title ("Mr", "Ms") or following one, not part of an agency's
        name. (A child named "Child AB" is found by the word "child".)"""
        title = doc.to_array("IS_TITLE").tolist()
        agency = {i for span in doc.spans.get(FACETS_KEY, []) if span.label_.startswith("agency:")
                  for i in range(span.start, span.end)}
        return [i for i in range(1, len(orth)) if title[i] and orth[i] not in self._not_names
                and orth[i - 1] not in self._not_names and orth[i - 1] not in self._sentence_end_ids
                and orth[i - 1] not in self._chain_stop_ids and i not in agency]

    def _chain(self, orth: list[int], parts: list[list[tuple[int, int]]], after: int,
               windows: tuple[int, ...]) -> int | None:
        """The end of the shortest chain of ``parts``, each starting at most its window of tokens
        after the one before (the first after token ``after``) with no sentence end between."""
        if not parts:
            return after
        ends = []
        for start, end in parts[0]:
            if after <= start <= after + windows[0] and self._chain_stop_ids.isdisjoint(orth[after:start]):
                chain_end = self._chain(orth, parts[1:], end, windows[1:])
                if chain_end is not None:
                    ends.append(chain_end)
        return min(ends, default=None)

    def _agency_lists(self, doc: Doc, orth: list[int]) -> list[tuple[int, int]]:
        """Token ranges of prose lists of agencies or roles ("provided by the police, CAMHS, ... and
        the domestic abuse service"): a sentence whose items after the first comma are all short and
        each name an agency (from the gazetteer) or end in a role word ("coordinator", "service").
        The range starts at the last words of the first item and runs to the end of the sentence."""
        if self.prose_min_items <= 0:
            return []
        agency_tokens: set[int] | None = None
        separators = [o in self._item_separator_ids for o in doc.to_array("LOWER").tolist()]
        ranges: list[tuple[int, int]] = []
        start = 0
        for end in [i + 1 for i, o in enumerate(orth) if o in self._clause_end_ids] + [len(orth)]:
            # a list needs at least min_items - 1 items after its first comma: cut at commas, "and", "or"
            if end > start and sum(separators[start:end]) >= self.prose_min_items - 1:
                if agency_tokens is None:
                    agency_tokens = {i for span in doc.spans.get(FACETS_KEY, [])
                                     if span.label_.startswith("agency:") for i in range(span.start, span.end)}
                found = self._agency_list_in(doc, start, end, agency_tokens)
                if found:
                    ranges.append(found)
            start = end
        return ranges

    def _agency_list_in(self, doc: Doc, start: int, end: int, agency_tokens: set[int]) -> tuple[int, int] | None:
        commas = [i for i in range(start, end) if doc[i].text in (",", ";")]
        if not commas:
            return None
        items: list[tuple[int, int]] = []
        begin = commas[0] + 1
        for i in range(commas[0] + 1, end + 1):
            if i == end or doc[i].text in (",", ";", ".", "?", "!", ":") or (
                    doc[i].lower_ in ("and", "or") and i not in agency_tokens):
                if i > begin:
                    items.append((begin, i))
                begin = i + 1
        if len(items) + 1 < self.prose_min_items:
            return None
        first = max(start, commas[0] - self.prose_max_item_words // 2 - 1)
        for item_start, item_end in items + [(first, commas[0])]:
            words = [t for t in doc[item_start:item_end] if not t.is_punct and t.lower_ not in self.prose_fillers]
            if not words or len(words) > self.prose_max_item_words:
                return None
            if not (any(t.i in agency_tokens for t in words) or words[-1].lemma_ in self.prose_heads
                    or words[-1].lower_ in self.prose_heads):
                return None
        return first, end

    def _nested(self, hit: _Hit, hits: Iterable[_Hit]) -> bool:
        """True when a longer signal of the same theme, at least as heavy, covers this one; a
        proximity rule's chain covers only signals of its own tier (a weaker word inside it is
        context that counts beside it)."""
        weight = self.weights[hit.tier]
        return any(other is not hit and other.theme == hit.theme and other.start <= hit.start
                   and hit.end <= other.end and (other.end - other.start) > (hit.end - hit.start)
                   and (self.weights[other.tier] == weight if (other.theme, other.tier, other.term) in self._near_keys
                        else self.weights[other.tier] >= weight)
                   for other in hits)

    def _is_reference_matter(self, passage: Passage) -> bool:
        """Glossaries, contents, acknowledgements and lists of roles carry no theme."""
        heading = _norm(passage.heading)
        if heading and any(heading.startswith(skip) for skip in self.skip_headings):
            return True
        opening = _norm(passage.text[:80])
        if any(opening.startswith(skip) for skip in self.skip_openings):
            return True
        items = [item for item in re.split(r"[;\n\u2022]", passage.text) if item.strip()]
        return (self.list_min_items > 0 and len(items) >= self.list_min_items
                and sum(len(item.split()) for item in items) / len(items) <= self.list_mean_words
                and sum(self._is_statement(item) for item in items) * 2 < len(items))

    def _is_statement(self, item: str) -> bool:
        """An item that says something (a finding: "Father not assessed") rather than naming a
        term, a role or a heading: it holds one of the taxonomy's ``list_statement_words``."""
        return any(word in self.list_statement_words for word in re.findall(r"[a-z']+", fold(item).lower()))


def _clip(text: str, limit: int = 60) -> str:
    """Evidence short enough to show: long pattern spans are cut with an ellipsis."""
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"


def _add_unique(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _norm(text: str) -> str:
    """Lower-case text without leading numbering and punctuation ("7. Glossary" -> "glossary")."""
    return re.sub(r"^[\W\d_]+", "", text.lower()).strip()


@dataclass
class _FacetValues:
    age_groups: list[str]
    agencies: list[str]
    passage_type: str


class _Facets:
    """Agencies, age groups and passage type from the facet tables, via a SpanRuler."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        facets = taxonomy.facets
        self.where = f"{taxonomy.path} (facets)"
        self.agencies: dict[str, dict] = facets.get("agencies", {})
        self.agency_exclude: dict = facets.get("agencies_exclude", {})
        self.age_groups: dict[str, dict] = facets.get("age_groups", {})
        self.ages: dict = facets.get("ages", {})
        types = dict(facets.get("passage_types", {}))
        self.type_order: list[str] = list(types.pop("order", types))
        self.types: dict[str, dict] = types

    def install(self, nlp: Language) -> None:
        """Add a SpanRuler holding every facet pattern to the pipeline."""
        ruler = nlp.add_pipe("span_ruler", config={"spans_key": FACETS_KEY, "phrase_matcher_attr": "LEMMA",
                                                  "validate": True})
        patterns: list[dict] = []
        for agency, table in self.agencies.items():
            patterns += [{"label": f"agency:{agency}", "pattern": term} for term in table.get("lemmas", [])]
        patterns += [{"label": "agency-exclude", "pattern": t} for t in self.agency_exclude.get("lemmas", [])]
        for group, table in self.age_groups.items():
            patterns += [{"label": f"age:{group}", "pattern": term} for term in table.get("lemmas", [])]
        patterns += [{"label": "age-exclude", "pattern": term} for term in self.ages.get("exclude", [])]
        patterns += [{"label": "age-expr", "pattern": p} for p in self.ages.get("patterns", [])]
        patterns += [{"label": "school-year", "pattern": p} for p in self.ages.get("school_year_patterns", [])]
        for kind, table in self.types.items():
            patterns += [{"label": f"type:{kind}", "pattern": p} for p in table.get("patterns", [])]
        try:
            ruler.add_patterns(patterns)
        except Exception as error:  # spaCy raises several kinds for a bad pattern
            raise TaxonomyError(f"{self.where}: a facet pattern is not valid ({error})") from None

    def read(self, doc: Doc, heading_path: list[str]) -> _FacetValues:
        spans = list(doc.spans[FACETS_KEY])
        return _FacetValues(age_groups=self._age_groups(spans), agencies=self._agencies(spans),
                            passage_type=self._passage_type(spans, heading_path))

    def _agencies(self, spans: list[Span]) -> list[str]:
        excluded = [span for span in spans if span.label_ == "agency-exclude"]
        found = {span.label_.split(":", 1)[1] for span in spans if span.label_.startswith("agency:")
                 and not any(_overlap(span, ex) for ex in excluded)}
        return [agency for agency in self.agencies if agency in found]

    def _age_groups(self, spans: list[Span]) -> list[str]:
        excluded = [span for span in spans if span.label_ == "age-exclude"]
        # Of overlapping age expressions only the longest counts: "then 14 weeks old" is 14 weeks.
        expressions = spacy.util.filter_spans([s for s in spans if s.label_ in ("age-expr", "school-year")])
        spans = [s for s in spans if s.label_ not in ("age-expr", "school-year")] + expressions
        found: set[str] = set()
        for span in spans:
            if any(_overlap(span, ex) for ex in excluded):
                continue
            if span.label_.startswith("age:"):
                found.add(span.label_.split(":", 1)[1])
            elif span.label_ in ("age-expr", "school-year"):
                months = self._months(span)
                group = next((g for g, t in self.age_groups.items()
                              if months is not None and t.get("min_months", 0) <= months <= t.get("max_months", -1)),
                             None)
                if group:
                    found.add(group)
        return [group for group in self.age_groups if group in found]

    def _months(self, span: Span) -> float | None:
        """The age an age expression states, in months."""
        numbers: dict[str, int] = self.ages.get("numbers", {})
        units: dict[str, float] = self.ages.get("units", {"year": 12})
        value = next((int(t.text) if t.text.isdigit() else numbers.get(t.lower_) for t in span
                      if t.text.isdigit() or t.lower_ in numbers), None)
        if value is None:
            return None
        if span.label_ == "school-year":
            return (value + int(self.ages.get("school_year_offset", 0))) * 12
        unit = next((t.lemma_ for t in span if t.lemma_ in units), "year")
        return value * float(units.get(unit, 12))

    def _passage_type(self, spans: list[Span], heading_path: list[str]) -> str:
        for heading in reversed(heading_path):
            text = heading.lower()
            for kind in self.type_order:
                if any(re.search(rf"\b{re.escape(h)}\b", text) for h in self.types[kind].get("headings", [])):
                    return kind
        for kind in self.type_order:
            window = int(self.types[kind].get("window", 0))
            if any(span.label_ == f"type:{kind}" and (window == 0 or span.start < window) for span in spans):
                return kind
        return "other"


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def theme_profile(passages: Iterable[Passage]) -> dict[str, tuple[int, float]]:
    """Theme id -> (number of passages tagged with it, share of all passages), busiest first."""
    passages = list(passages)
    counts = Counter(theme for passage in passages for theme in set(passage.themes))
    total = len(passages) or 1
    return {theme: (count, round(count / total, 4)) for theme, count in counts.most_common()}
