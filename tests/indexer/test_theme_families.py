"""Families of indirect expressions the theme rules recognise (proximity rules in kb/themes.toml).

Each passage is written the way reviews put things: long sentences, curly apostrophes, a list of
findings; none names its theme outright. Each family has a passage that only it tags.
"""
from __future__ import annotations

import pytest

from indexer.tag import Tagger
from kb.model import Passage
from kb.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


def themes(tagger: Tagger, text: str) -> list[str]:
    passage = Passage(seq=0, text=text)
    tagger.tag([passage])
    return passage.themes


@pytest.mark.parametrize("text", [
    # the child not seen or asked: a negation, a verb of seeing or asking, the child
    "Over the four months of the assessment the family support worker visited eleven times, mostly in the "
    "early evening when Ms Y’s partner was at home, but at none of those visits did anyone speak to the "
    "children without an adult in the room.",
    # the child not heard, said of the child
    "The chronology is full of measurements, appointments and attendance figures; the children themselves were "
    "seldom listened to, and nothing in the plan reflects anything either of them said.",
    # what the children said, and their days
    "When the reviewer met them, the children described a routine in which they made their own breakfast and "
    "walked themselves to school, and explained where the younger child slept when the flat was full of visitors.",
])
def test_the_childs_voice_in_other_words(tagger: Tagger, text: str) -> None:
    assert "voice-of-child" in themes(tagger, text)


def test_behaviour_read_as_communication_is_the_childs_voice(tagger: Tagger) -> None:
    text = ("Looking back, the review considers that Child R’s soiling, his refusal to get changed for PE and "
            "his distress at home time were signs that something was wrong at home, and that no one asked him "
            "about them.")
    assert "voice-of-child" in themes(tagger, text)


def test_a_list_of_the_partnerships_priorities_tags_none_of_them(tagger: Tagger) -> None:
    text = ("The partnership’s strategic priorities for the coming year are: neglect; the voice of the child; "
            "children at risk of exploitation; and domestic abuse. Each has a lead and a delivery plan.")
    assert themes(tagger, text) == []


@pytest.mark.parametrize("text", [
    # an account relied on as the evidence
    "The plan was stepped down after the conference relied on the mother’s report that the drinking had "
    "stopped, rather than on anything from the treatment service.",
    # not checked, and the explanation
    "Nobody looked into Ms T’s explanation that the bruise was from a fall in the park, although the "
    "nursery’s own record showed that the child had not been to the park that week.",
    # compliance without change
    "Ms H signed each written agreement, attended the parenting course and agreed to every referral, without "
    "any change in the conditions that had led to the plan, although each conference recorded her "
    "cooperation as progress.",
])
def test_curiosity_in_other_words(tagger: Tagger, text: str) -> None:
    assert "professional-curiosity" in themes(tagger, text)


@pytest.mark.parametrize("text", [
    # a parent's own history across generations
    "The pre-birth assessment did not record that Ms D had herself been on a child protection plan for "
    "neglect, or that her own mother had left the family when she was six.",
    # kin and who cares for the children
    "The children’s maternal aunt had looked after them most weekends for three years, yet no assessment "
    "considered who would care for the children if Ms B was admitted to hospital again.",
])
def test_the_whole_family_in_other_words(tagger: Tagger, text: str) -> None:
    assert "whole-family" in themes(tagger, text)


def test_the_mans_history_and_whether_he_was_contacted(tagger: Tagger) -> None:
    text = ("The baby’s father was released from prison two weeks before the birth; the assessment was "
            "completed without any attempt to contact him.")
    assert "fathers-male-carers" in themes(tagger, text)
    died = "The children’s father died when they were small, and the assessment rightly focused on Ms P."
    assert "fathers-male-carers" not in themes(tagger, died)


@pytest.mark.parametrize("text", [
    # known to one agency but not another
    "His conviction for assault was known to the probation service but was not known to the school, which "
    "allowed him to collect the children every Friday.",
    # each thought the other would act
    "Both the GP and the school nurse were worried about Child K’s weight, but each assumed the other had "
    "made the referral, and in the end neither did.",
    # information not acted on, in a list of findings
    "Findings:\n- The discharge letter was scanned into the record without being read\n"
    "- The school’s concerns were noted but no action followed",
])
def test_information_sharing_in_other_words(tagger: Tagger, text: str) -> None:
    assert "information-sharing" in themes(tagger, text)


def test_what_a_school_noticed_is_safety_in_education(tagger: Tagger) -> None:
    text = ("Her teacher recorded that she arrived each Monday in the same clothes as the Friday before and "
            "that she ate whatever was left over from breakfast club, but none of it was treated as a concern "
            "at school.")
    assert "education-safety" in themes(tagger, text)


def test_home_conditions_in_other_words_are_neglect(tagger: Tagger) -> None:
    text = ("When the police entered the flat they found the upstairs rooms uninhabitable and the three "
            "children sleeping on the living-room floor without a mattress.")
    assert "neglect" in themes(tagger, text)


NEAR_TAXONOMY = """
[scoring]
threshold = 1.0
weights = { strong = 1.0 }

[[themes]]
id = "housing"
label = "Housing instability"
definition = "Evictions, temporary accommodation and frequent moves."
[[themes.signals.strong.near]]
name = "a family moved on"
terms = [["family", "household"], ["move", "evict"], ["again", "out of the area"]]
window = [3, 6]
[[themes.signals.strong.near]]
name = "housing and debt, either way round"
terms = [["rent arrears"], ["eviction"]]
window = 4
ordered = false
"""


def test_a_proximity_rule_follows_its_windows_its_order_and_the_sentence(tmp_path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(NEAR_TAXONOMY)
    housing = Tagger(load_taxonomy(path))
    assert themes(housing, "The family was moved again in May.") == ["housing"]
    passage = Passage(seq=0, text="The household had been evicted, for the third time, out of the area.")
    housing.tag([passage])
    assert passage.themes == ["housing"]
    assert passage.evidence["housing"] == ["household had been evicted, for the third time, out of the a\u2026"]
    assert themes(housing, "The family, who had lived there for years, moved again.") == []  # first window
    assert themes(housing, "The family moved. Again the school was not told.") == []  # a sentence between
    assert themes(housing, "Again the family moved.") == []  # the parts out of order
    assert themes(housing, "An eviction followed months of rent arrears.") == ["housing"]  # ordered = false


def test_a_proximity_rule_counts_beside_the_words_it_spans(tagger: Tagger) -> None:
    """"teacher" (weak) inside "teacher noticed" (a proximity rule, medium): both count."""
    passage = Passage(seq=0, text="Child J’s form teacher noticed that he had lost weight over the autumn term "
                                  "and often asked for second helpings at lunch.")
    tagger.tag([passage])
    assert "education-safety" in passage.themes
    assert passage.theme_scores["education-safety"] == 1.0


@pytest.mark.parametrize("text", [
    # the children seen on their own
    "On the third visit the social worker saw each of the four children alone in the bedroom they shared "
    "and wrote down, in their words, what they had had to eat that day.",
    # what the child wanted
    "Asked at her review what she would like to change, the girl said that she wanted to live with her "
    "grandmother; the minutes record the request but no action.",
])
def test_the_child_seen_alone_and_what_the_child_wanted(tagger: Tagger, text: str) -> None:
    assert "voice-of-child" in themes(tagger, text)


def test_speaking_to_her_mother_is_not_hearing_the_child(tagger: Tagger) -> None:
    text = ("Safe sleep advice was given to Ms R in an English leaflet; no one spoke to her mother, who "
            "looked after the baby most nights.")
    assert "voice-of-child" not in themes(tagger, text)


@pytest.mark.parametrize("text", [
    # a concern explained away
    "Two members of staff noticed Child M’s reluctance to go home at the end of the day; her behaviour was "
    "treated as a sign of how much she enjoyed after-school club.",
    # how the parents came across, and compliance without change
    "Every professional who met Ms V and Mr W found them polite and cooperative; they signed the written "
    "agreement three times without any of its conditions being met.",
    # optimism about progress without evidence
    "By the second review there was a feeling among the core group that the family had turned a corner, "
    "though the reports it received showed no change in the children’s attendance or weight, and the plan "
    "was stepped down.",
    # an explanation accepted as given
    "The health visitor accepted that the rash was eczema and the GP accepted that Mr S had moved out, "
    "and the case was closed.",
])
def test_curiosity_explained_away_reassured_or_disarmed(tagger: Tagger, text: str) -> None:
    assert "professional-curiosity" in themes(tagger, text)


@pytest.mark.parametrize("text, theme", [
    # "youngest" is looked up as "young": a young man is not a sibling
    ("Staff at the hostel said that the young men who visited her were cousins of the family she had stayed "
     "with in Leeds.", "whole-family"),
    # "'s" is not "has": the family's children are not a parent who has children
    ("The headteacher was told that the family’s children were being taught at home.", "whole-family"),
])
def test_words_that_lemmas_would_confuse(tagger: Tagger, text: str, theme: str) -> None:
    assert theme not in themes(tagger, text)


def test_one_mention_seen_by_a_phrase_and_a_proximity_rule_of_the_same_tier_counts_once(tagger: Tagger) -> None:
    passage = Passage(seq=0, text="Nobody asked who would look after the children while Ms F was in hospital.")
    tagger.tag([passage])
    assert passage.theme_scores["whole-family"] == 0.6


@pytest.mark.parametrize("text", [
    "No agency raised any concern about Child P’s care before the incident, and none was expected to.",
    "Child D became distressed at handovers for contact with her father, which took place at a supermarket.",
    "The neglect briefing asks practitioners to look at the whole picture, not the day of the visit.",
])
def test_words_of_joint_working_used_in_passing_are_not_information_sharing(tagger: Tagger, text: str) -> None:
    assert "information-sharing" not in themes(tagger, text)


@pytest.mark.parametrize("text", [
    # a man named by initials, and what the plan asked of his partner
    "Mr AK was discharged by the home treatment team with a plan that relied on his partner to notice any "
    "return of his paranoid thinking.",
    # his order, some words away
    "The records show a caring mother and a tidy flat; they do not show that the baby’s father, who was "
    "subject to a non-molestation order, was living there.",
])
def test_the_man_in_the_household_in_other_words(tagger: Tagger, text: str) -> None:
    assert "fathers-male-carers" in themes(tagger, text)


def test_men_met_at_a_party_are_not_the_man_in_the_household(tagger: Tagger) -> None:
    text = ("Child T, 15, began cutting her arms after men she had met at a party told her she owed them for "
            "the lifts and phone credit; she told the school nurse about the cuts but not about the men.")
    assert "fathers-male-carers" not in themes(tagger, text)


@pytest.mark.parametrize("text", [
    "Two years later Child S told her aunt that her stepfather had been coming into her bedroom at night, "
    "and that it had started soon after he moved in.",
    "Devices recovered from the flat held images of the girl taken in the family bathroom; the man arrested "
    "was her mother’s partner.",
])
def test_sexual_abuse_in_the_family_in_other_words(tagger: Tagger, text: str) -> None:
    assert "child-sexual-abuse" in themes(tagger, text)


def test_police_called_to_incidents_at_home_is_domestic_abuse(tagger: Tagger) -> None:
    text = ("The child’s name appears in the police record of each of the six incidents at the flat, but only "
            "as ‘child present’, and the officers recorded the arguments as verbal only.")
    assert "domestic-abuse" in themes(tagger, text)


def test_attendance_is_at_school_not_at_hospital_or_a_meeting(tagger: Tagger) -> None:
    at_school = ("Child T’s absence rose to 31 per cent by the spring term, most of it unauthorised and clustered "
                 "on Mondays.")
    assert "education-safety" in themes(tagger, at_school)
    elsewhere = ("Attendance at the learning event was good across agencies, and each attendance at the emergency "
                 "department produced a discharge letter.")
    assert "education-safety" not in themes(tagger, elsewhere)


def test_moving_to_the_flat_is_not_coming_to_this_country(tagger: Tagger) -> None:
    assert "race-culture" not in themes(tagger, "In March the family moved to the flat above the shop, and "
                                                 "the children started at a new school.")
    assert "race-culture" in themes(tagger, "Ms K arrived in the UK in 2019 and spoke little English.")


def test_the_age_of_an_offences_victim_is_not_the_age_of_the_child(tagger: Tagger) -> None:
    passage = Passage(seq=0, text="Mr H had been convicted in 2009 of an offence against a twelve-year-old girl, "
                                  "yet the pre-birth assessment described the household as ‘mum and baby’.")
    tagger.tag([passage])
    assert "adolescent" not in passage.age_groups
    assert "adolescents" not in passage.themes


@pytest.mark.parametrize("text", [
    "The police held information about a serious assault by Mr J on a former partner, which was not shared "
    "with the health visiting service.",
    "The plan relied on Ms T to protect the children, although she was isolated and financially dependent on "
    "the man the plan was meant to protect them from.",
])
def test_domestic_abuse_in_other_words(tagger: Tagger, text: str) -> None:
    assert "domestic-abuse" in themes(tagger, text)


@pytest.mark.parametrize("text", [
    "Her GP did not know that the children were no longer attending school; the school had written only to "
    "the council.",
    "The paediatrician referred him to the emotional wellbeing service; that service said it was a feeding "
    "problem and returned the referral.",
])
def test_one_agency_in_the_dark_or_a_referral_bounced(tagger: Tagger, text: str) -> None:
    assert "information-sharing" in themes(tagger, text)


def test_a_list_of_definitions_carries_no_theme(tagger: Tagger) -> None:
    text = ("Definitions: for the purposes of this report, ‘child’ means anyone under 18; ‘parent’ includes anyone "
            "with parental responsibility; ‘abuse’ and ‘neglect’ are as defined in Working Together.")
    assert themes(tagger, text) == []


def test_home_conditions_and_police_call_outs_are_findings_on_their_own(tagger: Tagger) -> None:
    assert "neglect" in themes(tagger, "By the winter the state of the kitchen was such that the visiting "
                                       "officer described it as unsafe for a toddler.")
    assert "domestic-abuse" in themes(tagger, "Officers were called to incidents at the family home on eleven "
                                              "occasions in two years.")
    assert "neglect" not in themes(tagger, "The flat was clean and tidy on each of the three visits.")


def test_a_disclosure_named_in_passing_is_not_on_its_own_the_childs_voice(tagger: Tagger) -> None:
    text = ("After Child AL disclosed abuse by her stepfather, a specialist adviser supported her through the "
            "police interview and the trial, and therapy was funded for her mother and younger brother.")
    assert "voice-of-child" not in themes(tagger, text)


def test_nobody_establishing_who_he_was_is_curiosity(tagger: Tagger) -> None:
    text = ("His presence was mentioned in two health visitor records and one police log, but no agency "
            "established who he was or whether he had any previous convictions.")
    assert "professional-curiosity" in themes(tagger, text)


@pytest.mark.parametrize("text", [
    "Child Q’s paternal grandmother had looked after him every weekend since he was born, but no professional "
    "contacted her until the day of the emergency placement.",
    "The Panel found that several of the parents were themselves care leavers, with little support of their own.",
])
def test_kinship_care_and_a_parent_who_was_in_care_are_the_whole_family(tagger: Tagger, text: str) -> None:
    assert "whole-family" in themes(tagger, text)


def test_a_child_named_by_a_pseudonym_is_the_child(tagger: Tagger) -> None:
    named = ("The minutes record that the allegation was ‘unsubstantiated’, but there is nothing in them to suggest "
             "that anyone had asked Amira how the bruise had happened.")
    assert "voice-of-child" in themes(tagger, named)
    adult = "No one asked Mr Campbell what he had seen when he visited on the Sunday."
    assert "voice-of-child" not in themes(tagger, adult)


def test_the_child_asked_with_a_parent_there(tagger: Tagger) -> None:
    text = ("The report to conference said that the boy ‘has no worries’; he later explained that the social "
            "worker had asked him about home in front of his stepfather.")
    assert "voice-of-child" in themes(tagger, text)


@pytest.mark.parametrize("text, theme, tagged", [
    # patterns written as proximity rules: what they tag stays tagged ...
    ("Ms B told the council that she had decided to teach them herself.", "home-education", True),
    ("Nobody assessed the man who lived with the family from the spring.", "fathers-male-carers", True),
    ("She was abused over two years by a volunteer at the sports club she attended.", "child-sexual-abuse", False),
    # ... and young men who visit a girl are not the man in the household
    ("Staff assumed that the young men who visited her were relatives.", "fathers-male-carers", False),
])
def test_rules_kept_as_proximity_rules(tagger: Tagger, text: str, theme: str, tagged: bool) -> None:
    assert (theme in themes(tagger, text)) is tagged


def test_a_clean_house_is_not_a_parent_who_has_been_clean(tagger: Tagger) -> None:
    assert "substance-misuse" not in themes(tagger, "Practitioners took Ms W’s word that the house was clean "
                                                    "and the children were well.")
    assert "substance-misuse" in themes(tagger, "Mr D said he had been clean since the spring.")


@pytest.mark.parametrize("text, theme", [
    ("Each of the five plans was written for the children, but their wishes were not recorded in any of them.",
     "voice-of-child"),
    ("Ms K’s adult social care assessment did not mention her children, although her daughter, then 13, was "
     "in effect her main carer.", "whole-family"),
])
def test_the_childs_words_missing_and_adult_services_thinking_family(tagger: Tagger, text: str, theme: str) -> None:
    assert theme in themes(tagger, text)
