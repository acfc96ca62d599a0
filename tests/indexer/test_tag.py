"""The rule-based tagger on real sentences: themes, traps, headings, ages, passage types, agencies."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.tag import Tagger, theme_profile
from kb.model import Passage
from kb.taxonomy import TaxonomyError, load_taxonomy


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


def tagged(tagger: Tagger, text: str, heading_path: list[str] | None = None) -> Passage:
    passage = Passage(seq=0, text=text, heading_path=heading_path or [])
    tagger.tag([passage])
    return passage


def test_themes_scores_and_evidence(tagger: Tagger) -> None:
    passage = tagged(tagger, "Police attended four domestic incidents in six months. The case was never heard at "
                             "MARAC and the notifications sent to the MASH did not mention the earlier call-outs.")
    assert {"domestic-abuse", "information-sharing"} <= set(passage.themes)
    assert passage.theme_scores["domestic-abuse"] >= 1.0
    assert "MARAC" in passage.evidence["domestic-abuse"]
    assert "MASH" in passage.evidence["information-sharing"]
    assert set(passage.themes) <= set(passage.theme_scores)


@pytest.mark.parametrize("text, theme", [
    ("Volunteers dressed as Father Christmas visited the family hubs and handed out presents.", "fathers-male-carers"),
    ("The panel did not neglect to consider the effect of the pandemic on agencies' ability to visit.", "neglect"),
    ("The health visitor completed the twelve-month review at the clinic and weighed the child.", "mental-health"),
    ("The family hubs were busy throughout December.", "whole-family"),
])
def test_traps_do_not_tag(tagger: Tagger, text: str, theme: str) -> None:
    assert theme not in tagged(tagger, text).themes


def test_a_list_of_attendees_carries_no_theme(tagger: Tagger) -> None:
    text = ("Attendees: Designated Nurse for Safeguarding Children; Detective Inspector, Public Protection Unit; "
            "Head of Service, Children's Social Care; Domestic Abuse Coordinator; Manager, Drug and Alcohol "
            "Service; Education Safeguarding Lead.")
    passage = tagged(tagger, text)
    assert passage.themes == []
    assert "police" in passage.agencies
    roles = text.replace("Attendees: ", "").replace(";", "\n")
    assert tagged(tagger, roles).themes == []


def test_a_glossary_heading_carries_no_theme(tagger: Tagger) -> None:
    passage = tagged(tagger, "MARAC: multi-agency risk assessment conference for victims of domestic abuse.",
                     ["Child safeguarding practice review: Child K", "7. Glossary"])
    assert passage.themes == []


def test_the_heading_adds_evidence(tagger: Tagger) -> None:
    text = "Letters were addressed only to the mother, and her partner was never invited to a single appointment."
    plain = tagged(tagger, text)
    under = tagged(tagger, text, ["Child safeguarding practice review: Child N", "Fathers and male carers"])
    assert "fathers-male-carers" not in plain.themes
    assert "fathers-male-carers" in under.themes
    assert "heading: Fathers and male carers" in under.evidence["fathers-male-carers"]


@pytest.mark.parametrize("text, groups", [
    ("Child N, a 14-year-old Black boy, was described as streetwise.", ["adolescent"]),
    ("Baby M died at nine weeks after falling asleep on a sofa with his father.", ["baby"]),
    ("Teachers described Child D, then aged 7, as often hungry.", ["young-child"]),
    ("Jordan was 15 when transport police found him ninety miles from home.", ["adolescent"]),
    ("In Year 10 his attendance fell sharply.", ["adolescent"]),
    ("The mother's partner moved in when the toddler was ill; her baby brother was six-week-old.",
     ["baby", "young-child"]),
    ("The review panel met four times in 2023 and 12 agencies took part.", []),
])
def test_age_groups(tagger: Tagger, text: str, groups: list[str]) -> None:
    assert tagged(tagger, text).age_groups == groups


@pytest.mark.parametrize("text, heading_path, kind", [
    ("Recommendation 3: The partnership should make sure that fathers are invited to every review meeting.",
     [], "recommendation"),
    ("The Partnership should ask the ICB to report on uptake of the training.", [], "recommendation"),
    ("The health visitor's safe sleep assessment was thorough and clearly recorded.",
     ["Review: Baby O", "5. Good practice"], "good-practice"),
    ("The bruise should have triggered the protocol, and the review found that it did not.", [], "finding"),
    ("Child S was not seen for eighteen months.", ["4. Findings", "Finding 2: Child S was not seen"], "finding"),
    ("In March 2022 the family moved to a flat on the edge of town.", [], "other"),
])
def test_passage_type(tagger: Tagger, text: str, heading_path: list[str], kind: str) -> None:
    assert tagged(tagger, text, heading_path).passage_type == kind


def test_agencies_from_the_gazetteer(tagger: Tagger) -> None:
    passage = tagged(tagger, "The health visitor and the GP each recorded concerns; the midwife referred her to the "
                             "perinatal mental health team, and the police notified Children's Social Care. She "
                             "told her Sunday school teacher nothing.")
    assert passage.agencies == ["police", "childrens-social-care", "health-visiting", "midwifery", "gp",
                                "adult-mental-health"]


def test_a_custom_taxonomy_changes_what_is_tagged(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text("""
[scoring]
threshold = 1.0
weights = { strong = 1.0, weak = 0.5 }

[[themes]]
id = "housing"
label = "Housing instability"
definition = "Evictions, temporary accommodation and frequent moves."
[themes.signals.strong]
lemmas = ["eviction", "temporary accommodation"]
[themes.signals.weak]
lemmas = ["landlord"]
""")
    text = "After the eviction the family spent five months in temporary accommodation, and the MASH was not told."
    custom = tagged(Tagger(load_taxonomy(path)), text)
    assert custom.themes == ["housing"]
    assert custom.evidence["housing"] == ["eviction", "temporary accommodation"]
    assert custom.agencies == ["mash"]
    assert "housing" not in tagged(Tagger(load_taxonomy()), text).themes


def test_a_bad_pattern_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text("""
[scoring]
weights = { strong = 1.0 }
[[themes]]
id = "housing"
label = "Housing"
definition = "Housing."
[themes.signals.strong]
patterns = [[{SHOUTING = "eviction"}]]
""")
    with pytest.raises(TaxonomyError, match="pattern 1 is not a valid spaCy pattern") as raised:
        Tagger(load_taxonomy(path))
    assert str(path) in str(raised.value)


def test_batches_tag_every_passage_and_the_profile_counts_them(tagger: Tagger) -> None:
    texts = ["The children were often hungry and the home conditions were poor.",
             "Dental appointments were missed again and again, and the house smelled of damp.",
             "Child A, aged 16, took an overdose and was referred to CAMHS.",
             "The draft report was signed off by the executive group in January."]
    passages = [Passage(seq=i, text=text) for i, text in enumerate(texts)]
    tagger.tag(passages, batch_size=2)
    assert [("neglect" in p.themes) for p in passages] == [True, True, False, False]
    profile = theme_profile(passages)
    assert profile["neglect"] == (2, 0.5)
    assert profile["mental-health"] == (1, 0.25)
    assert "neglect" not in passages[3].theme_scores


# -- generalisation fixes (audit of fresh passages) -----------------------------------------------
@pytest.mark.parametrize("text", [
    "Information for this review was provided by the police, CAMHS, the GP practice, children's social care, "
    "probation, the school and the domestic abuse service.",
    "The panel included a designated nurse, a detective inspector, a social work manager, a headteacher and a "
    "MARAC coordinator.",
])
def test_a_prose_list_of_agencies_carries_no_theme(tagger: Tagger, text: str) -> None:
    passage = tagged(tagger, text)
    assert passage.themes == []
    assert "police" in passage.agencies


def test_a_prose_list_keeps_the_themes_of_the_rest_of_the_passage(tagger: Tagger) -> None:
    passage = tagged(tagger, "Ms K had a long history of depression and was known to the GP, the crisis team, "
                             "the perinatal team and the health visitor.")
    assert passage.themes == ["mental-health"]


@pytest.mark.parametrize("text, present, absent", [
    # "brought together" is not "was not brought" to an appointment
    ("The DSL had logged eleven concerns over two terms, but these were not brought together into a referral.",
     [], ["neglect"]),
    ("Kayla was not brought to three appointments at the eye clinic.", ["neglect"], []),
    # withdrawing a statement is not being withdrawn; it is a sign of domestic abuse with the partner's violence
    ("Ms H said her partner had thrown her against the wall; she later withdrew her statement.",
     ["domestic-abuse"], ["mental-health"]),
    ("At the next visit she was quiet and withdrawn and said she felt low most days.", ["mental-health"], []),
    ("Ms C had a caesarean section and went home after two days.", [], ["mental-health"]),
    ("He had been convicted of assaulting a former partner and was staying at the address most nights.",
     ["domestic-abuse"], []),
    # parents' disabilities are not the child's
    ("Mr J is a wheelchair user following a spinal injury, and Ms J is registered blind.", [], ["disability"]),
    ("Her mother uses a wheelchair and the family had asked for an adapted flat.", [], ["disability"]),
    ("Oliver has cerebral palsy and uses a wheelchair.", ["disability"], []),
    # adults outside the family sexually abusing a child are exploitation, not intra-familial abuse
    ("A group of adult men befriended Chloe, 13, in a local park and later through an online app, before "
     "sexually abusing her at addresses across the town.", ["exploitation", "adolescents"], ["child-sexual-abuse"]),
    ("Two 16-year-old boys were stabbed in a dispute between rival groups.", ["exploitation", "adolescents"], []),
    ("Police found Tyler, 14, in a flat far from home with wraps of crack cocaine and a second phone; he had been "
     "reported missing three times.", ["exploitation", "adolescents"], ["substance-misuse"]),
    # home education in other words
    ("Sam's parents withdrew him from Year 8 in November, writing that they would educate him themselves.",
     ["home-education"], []),
    ("Ms O withdrew from the parenting programme after two sessions.", [], ["home-education"]),
    # men in the household
    ("Agencies should record every man who lives in or regularly visits the household.",
     ["fathers-male-carers"], []),
    # the child's voice, not an adult's
    ("Nobody asked Lily what it was like to live in that house. She was always visited with her mother in the room.",
     ["voice-of-child"], []),
    ("The grandmother had been caring for Leo and his sisters, and she told the review she felt she had been left "
     "to cope alone.", [], ["voice-of-child"]),
    # accepting parents' accounts
    ("The social worker took these assurances as given and did not check with the GP or the nursery.",
     ["professional-curiosity", "information-sharing"], []),
])
def test_themes_by_meaning(tagger: Tagger, text: str, present: list[str], absent: list[str]) -> None:
    themes = tagged(tagger, text).themes
    assert set(present) <= set(themes), themes
    assert not set(absent) & set(themes), themes


@pytest.mark.parametrize("text, groups", [
    ("Jess, 15, had started to restrict what she ate.", ["adolescent"]),
    ("Evie (3) attends a local nursery.", ["young-child"]),
    ("The baby, then 14 weeks old, was admitted with a fracture.", ["baby"]),
    ("The health visitor completed the 12-month developmental review at home.", ["baby"]),
    ("Ms P's father had died when she was a teenager.", []),
    ("Ms A had her first child at seventeen.", []),
])
def test_age_groups_in_other_words(tagger: Tagger, text: str, groups: list[str]) -> None:
    assert tagged(tagger, text).age_groups == groups


def test_the_mothers_own_teenage_years_are_not_an_adolescent_theme(tagger: Tagger) -> None:
    passage = tagged(tagger, "Ms A herself had been in care as a teenager and is a care leaver; her son is four.")
    assert "adolescents" not in passage.themes


def test_plural_acronyms_name_agencies(tagger: Tagger) -> None:
    assert tagged(tagger, "Both GPs had recorded the bruising.").agencies == ["gp"]


def test_patterns_tried_only_where_their_anchor_word_is_find_what_all_patterns_find() -> None:
    import json

    from spacy.matcher import Matcher

    from kb.taxonomy import load_taxonomy
    from tests.conftest import DATA

    taxonomy = load_taxonomy(None)
    tagger = Tagger(taxonomy)
    everything = Matcher(tagger.nlp.vocab)
    for theme in taxonomy.themes:
        for tier, table in theme.signals.items():
            for index, pattern in enumerate(table.get("patterns", [])):
                everything.add(f"{theme.id}|{tier}|pattern {index + 1}", [pattern])
    for index, pattern in enumerate(taxonomy.scoring.get("exclude", {}).get("patterns", [])):
        everything.add(f"*|exclude|pattern {index + 1}", [pattern])
    texts = [json.loads(line)["text"] for line in
             (DATA / "themes-dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    found = 0
    for doc in tagger.nlp.pipe(texts):
        anchored = sorted(tagger._matcher(doc))
        assert anchored == sorted(everything(doc)), doc.text[:80]
        found += len(anchored)
    assert found > 50  # the patterns do match the dev passages


# -- defects seen on real reports (issue 13), each on a passage written for the test --------------
def test_typographic_apostrophes_match_like_typed_ones(tagger: Tagger) -> None:
    text = ("Over the summer the mother\u2019s partner moved into the flat. Nobody asked about his "
            "history, and the child\u2019s voice is absent from every assessment that followed.")
    passage = tagged(tagger, text)
    assert {"fathers-male-carers", "voice-of-child"} <= set(passage.themes)
    # Evidence is cut from the passage as written, with its curly apostrophe.
    assert "mother\u2019s partner" in passage.evidence["fathers-male-carers"]
    assert "child\u2019s voice" in passage.evidence["voice-of-child"]


def test_a_list_of_key_findings_is_tagged_not_dropped_as_a_glossary(tagger: Tagger) -> None:
    text = ("Key findings\n"
            "\u2022 Home conditions were not assessed after 2021.\n"
            "\u2022 The mother\u2019s partner was never seen.\n"
            "\u2022 Missed dental appointments were not followed up.\n"
            "\u2022 Referrals did not reach the school.")
    passage = tagged(tagger, text)
    assert {"neglect", "fathers-male-carers"} <= set(passage.themes)
    glossary = ("DSL \u2013 Designated Safeguarding Lead\nMASH \u2013 Multi-Agency Safeguarding Hub\n"
                "MARAC \u2013 Multi-Agency Risk Assessment Conference\nEHCP \u2013 Education, Health and Care Plan")
    assert tagged(tagger, glossary).themes == []


@pytest.mark.parametrize("text, theme", [
    ("The partnership\u2019s arrangements exist to protect children from abuse and neglect, and its "
     "annual report sets out how the statutory partners discharged that duty across the county.", "neglect"),
    ("Children who are abused or neglected deserve a response that is timely; this section describes the "
     "scope of the review and its terms of reference.", "neglect"),
    ("The review used a multi-agency methodology: chronologies were requested from partner agencies and "
     "practitioners attended two learning events in the spring.", "information-sharing"),
])
def test_boilerplate_names_of_the_field_do_not_tag(tagger: Tagger, text: str, theme: str) -> None:
    assert theme not in tagged(tagger, text).themes


def test_negated_findings_in_other_words_do_not_tag(tagger: Tagger) -> None:
    text = ("No concerns were identified regarding her physical or mental health at the "
            "six-week check, and the GP saw her twice that year.")
    assert "mental-health" not in tagged(tagger, text).themes
    assert "mental-health" in tagged(tagger, "Concerns were identified regarding her mental health.").themes


@pytest.mark.parametrize("text", [
    "He was later convicted of the rape of a child under 13, and of offences against children aged between 12 and 15.",
    "Nationally, the number of notifications for children under the age of 12 rose by a fifth.",
])
def test_offence_names_and_statistics_are_not_a_childs_age(tagger: Tagger, text: str) -> None:
    assert "adolescent" not in tagged(tagger, text).age_groups


def test_sexual_abuse_by_people_outside_the_family_is_not_the_family_theme(tagger: Tagger) -> None:
    text = ("In 2020 she disclosed that she had been sexually abused by a member of residential staff at "
            "the children\u2019s home; the allegation was referred to the LADO.")
    assert "child-sexual-abuse" not in tagged(tagger, text).themes
    text = "Two pupils disclosed that a teacher had sexually assaulted them on a school trip."
    assert "child-sexual-abuse" not in tagged(tagger, text).themes
    family = "She disclosed that her stepfather had sexually abused her since she was nine."
    assert "child-sexual-abuse" in tagged(tagger, family).themes


def test_views_about_the_childs_situation_are_not_the_childs_views(tagger: Tagger) -> None:
    text = ("Professionals held overly optimistic views of the child\u2019s situation and the "
            "improvements at home were taken at face value.")
    assert "voice-of-child" not in tagged(tagger, text).themes


def test_an_age_stated_after_a_threshold_word_is_still_read_when_it_is_an_age(tagger: Tagger) -> None:
    assert "adolescent" in tagged(tagger, "At the age of 14 she moved to live with her aunt.").age_groups


@pytest.mark.parametrize("text, theme, phrase", [
    # Seen or spoken to on their own, without the words "seen alone".
    ("On the unannounced visit the social worker saw both of the boys alone in the kitchen and asked them "
     "where they had slept that week.", "voice-of-child", "saw both of the boys alone"),
    # The child's lived experience as what the child was doing, saying or feeling.
    ("The chronology records every appointment the family kept or missed, but almost nothing of what the "
     "children were experiencing at home during those months.", "voice-of-child", "what the children were experiencing"),
    # A parent's word taken for it: the account accepted in other words.
    ("The housing officer took Mr Obi\u2019s word that the damp had been treated and closed the complaint "
     "without inspecting the flat.", "professional-curiosity", "took Mr Obi\u2019s word that"),
    # A parent's own childhood in care: the family's history across generations.
    ("Ms Farah had herself been in foster care from the age of nine, and the assessment of her parenting "
     "made no mention of it.", "whole-family", "herself been in foster care"),
])
def test_signals_of_the_themes_meaning_in_other_words(tagger: Tagger, text: str, theme: str, phrase: str) -> None:
    passage = tagged(tagger, text)
    assert phrase in passage.evidence.get(theme, []), passage.evidence


def test_a_child_asked_in_front_of_a_parent_is_evidence_of_the_childs_voice(tagger: Tagger) -> None:
    passage = tagged(tagger, "The social worker asked Lewis about the bruise in front of his stepfather.")
    assert any("in front of his stepfather" in e for e in passage.evidence.get("voice-of-child", []))
    # Parents seen separately are not the child seen alone.
    parents = tagged(tagger, "The social worker met both parents together and separately before the conference.")
    assert "voice-of-child" not in parents.theme_scores
