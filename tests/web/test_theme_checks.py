"""How far a theme's tags can be trusted, shown where its counts are read: the theme page, the
themes index, the briefing, the trends pages and the API, after curators decide through the
real forms on a copy of ``access_data`` (the sample corpus, one restricted report, a user of
each kind); and the tagger's quality measured before release, from the shipped figures."""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cli import main
from indexer.retag import MEASURED_QUALITY
from kb.curation_figures import CHECKS_CAVEAT
from tests.web.conftest import PASSWORD, make_app, opened
from tests.web.pages import csrf_token, signed_in, soup
from web import close_app

THEME = "domestic-abuse"
OTHER = "home-education"
SUMMARY = ("Curators have checked 3 tags of this theme: 2 confirmed, 1 removed (67% right); "
           "they added it to 1 passage the tagger had missed.")
#: The same, for readers who may see the restricted report, where an admin confirmed the theme.
SUMMARY_WITH_RESTRICTED = ("Curators have checked 4 tags of this theme: 3 confirmed, 1 removed "
                           "(75% right); they added it to 1 passage the tagger had missed.")


@dataclass
class Decided:
    app: Flask
    data: Path


def client_of(app: Flask, who: str) -> FlaskClient:
    return signed_in(app, who, PASSWORD)


def decide(client: FlaskClient, document_id: int, passage_id: int, action: str) -> None:
    response = client.post(f"/documents/{document_id}/passages/{passage_id}/themes",
                           data={"action": action, "theme": THEME,
                                 "csrf_token": csrf_token(client, f"/documents/{document_id}")})
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.fixture(scope="module")
def decided(access_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Decided]:
    """A curator confirms the theme on two open passages, removes it from one and adds it to
    one; an admin confirms it on a passage of the restricted report."""
    data = tmp_path_factory.mktemp("theme-checks") / "data"
    shutil.copytree(access_data, data)
    for kb in opened(data):
        documents = {d.id: d for d in kb.store.documents()}
        passages = kb.store.passages()
    visible = [p for p in passages if not documents[p.document_id].meta.restricted]
    carrying = [p for p in visible if THEME in p.themes]
    lacking = [p for p in visible if THEME not in p.themes]
    hidden = next(p for p in passages if documents[p.document_id].meta.restricted
                  and THEME in p.themes)
    app = make_app(data)
    curator, admin = client_of(app, "curator"), client_of(app, "admin")
    for passage, action in ((carrying[0], "confirm"), (carrying[1], "confirm"),
                            (carrying[2], "remove"), (lacking[0], "add")):
        decide(curator, passage.document_id, passage.id, action)
    decide(admin, hidden.document_id, hidden.id, "confirm")
    yield Decided(app, data)
    close_app(app)


def text_of(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def test_theme_page_says_what_curators_found_and_where_the_figures_come_from(
        decided: Decided) -> None:
    page = soup(client_of(decided.app, "viewer").get(f"/themes/{THEME}"))
    checks = page.select_one(".curator-checks")
    assert text_of(checks.select_one(".curator-checks-summary")).startswith(
        SUMMARY + " So few checks say little yet. Last decision on ")
    assert text_of(checks.select_one(".curator-checks-caveat")) == CHECKS_CAVEAT
    assert not checks.select("a[href='/curation/queue']")  # the queue is for curators


def test_decisions_on_a_restricted_report_count_only_for_those_who_may_see_it(
        decided: Decided) -> None:
    for who, expected in (("anonymous", SUMMARY), ("viewer", SUMMARY), ("curator", SUMMARY),
                          ("reader", SUMMARY_WITH_RESTRICTED), ("admin", SUMMARY_WITH_RESTRICTED)):
        client = client_of(decided.app, who)
        page = soup(client.get(f"/themes/{THEME}"))
        assert text_of(page.select_one(".curator-checks-summary")).startswith(expected), who
        found = client.get(f"/api/themes/{THEME}").get_json()["theme"]["curator_checks"]
        assert found["confirmed"] == (3 if expected == SUMMARY_WITH_RESTRICTED else 2), who


def test_curators_are_pointed_to_the_review_queue(decided: Decided) -> None:
    page = soup(client_of(decided.app, "curator").get(f"/themes/{THEME}"))
    assert page.select_one(".curator-checks a[href='/curation/queue']").get_text(
        strip=True) == "Check more tags in the review queue"


def test_themes_index_has_a_compact_column_of_checks(decided: Decided) -> None:
    page = soup(client_of(decided.app, "viewer").get("/themes"))
    cells = {row.th.get_text(strip=True): text_of(row.select_one(".curator-checks-cell"))
             for row in page.select(".themes-table tbody tr")}
    kb = decided.app.extensions["knowledge_base"]
    assert cells[kb.taxonomy.label(THEME)] == "Checked by curators: 67% of 3 right; 1 missed"
    assert cells[kb.taxonomy.label(OTHER)] == "Checked by curators: not yet checked"
    assert CHECKS_CAVEAT in text_of(page)


def test_briefing_carries_the_checks_for_the_board(decided: Decided) -> None:
    page = soup(client_of(decided.app, "viewer").get(f"/themes/{THEME}/briefing"))
    figures = page.select_one("section[aria-labelledby='figures-heading'] .curator-checks")
    assert text_of(figures.select_one(".curator-checks-summary")).startswith(SUMMARY)
    assert CHECKS_CAVEAT in text_of(figures)


def test_the_api_mirrors_the_checks(decided: Decided) -> None:
    client = client_of(decided.app, "viewer")
    found = client.get(f"/api/themes/{THEME}").get_json()["theme"]["curator_checks"]
    assert {k: found[k] for k in ("checked", "confirmed", "removed", "added", "percent_right")} == {
        "checked": 3, "confirmed": 2, "removed": 1, "added": 1, "percent_right": 67}
    assert found["caveat"] == CHECKS_CAVEAT and found["last_decided_at"]
    listed = {t["id"]: t["curator_checks"] for t in client.get("/api/themes").get_json()["themes"]}
    assert listed[THEME] == found
    assert listed[OTHER]["checked"] == listed[OTHER]["added"] == 0
    assert listed[OTHER]["percent_right"] is None


@pytest.mark.parametrize("who, queue_link", [("viewer", False), ("curator", True)])
def test_a_theme_nobody_checked_says_so(access_app: Flask, who: str, queue_link: bool) -> None:
    page = soup(client_of(access_app, who).get(f"/themes/{OTHER}"))
    checks = page.select_one(".curator-checks")
    assert text_of(checks.select_one(".curator-checks-summary")) == (
        "No curator has checked this theme's tags yet.")
    assert not checks.select(".curator-checks-caveat")
    link = checks.select_one("a[href='/curation/queue']")
    assert (link is not None) == queue_link
    if link:
        assert link.get_text(strip=True) == (
            "Check the tagger's least certain tags in the review queue")
    briefing = soup(client_of(access_app, who).get(f"/themes/{OTHER}/briefing"))
    assert text_of(briefing.select_one(".curator-checks-summary")) == (
        "No curator has checked this theme's tags yet.")


def test_trends_show_the_checks_beside_the_counts_board_members_read(decided: Decided) -> None:
    client = client_of(decided.app, "viewer")
    kb = decided.app.extensions["knowledge_base"]
    page = soup(client.get("/trends"))
    cells = {text_of(row.th): text_of(row.select_one(".curator-checks-cell"))
             for row in page.select(".recurrence-table tbody tr")}
    assert cells[kb.taxonomy.label(THEME)] == "Checked by curators: 67% of 3 right; 1 missed"
    assert cells[kb.taxonomy.label(OTHER)] == "Checked by curators: not yet checked"
    assert CHECKS_CAVEAT in text_of(page.select_one("section[aria-labelledby='recurrence-heading']"))
    recurrence = soup(client.get(f"/trends/{THEME}"))
    assert text_of(recurrence.select_one(".curator-checks .curator-checks-summary")).startswith(SUMMARY)


def test_the_recurrence_api_mirrors_the_checks(decided: Decided) -> None:
    client = client_of(decided.app, "viewer")
    found = client.get("/api/recurrence").get_json()["themes"]
    listed = {t["theme"]: t["curator_checks"] for t in found}
    one = client.get(f"/api/recurrence/{THEME}").get_json()["theme"]["curator_checks"]
    assert listed[THEME] == one and (one["checked"], one["percent_right"], one["added"]) == (3, 67, 1)
    assert listed[OTHER]["checked"] == 0


def test_kb_trends_json_carries_the_checks_of_the_readers_it_counts_for(
        decided: Decided, capsys: pytest.CaptureFixture[str]) -> None:
    for extra, confirmed in (((), 2), (("--include-restricted",), 3)):
        assert main(["trends", "--json", "--data", str(decided.data), *extra]) == 0
        found = {r["theme"]: r["curator_checks"] for r in json.loads(capsys.readouterr().out)["recurrence"]}
        assert (found[THEME]["confirmed"], found[THEME]["removed"], found[OTHER]["checked"]) == (confirmed, 1, 0)


def shipped_measurement() -> dict:
    return json.loads(MEASURED_QUALITY.read_text(encoding="utf-8"))


def measured_sentence(theme_id: str) -> str:
    """What the pages should say of a theme's shipped measurement, from the shipped figures."""
    shipped = shipped_measurement()
    found = shipped["themes"][theme_id]
    ratio = found["recall"] / found["precision"]
    reading = ("about right in total: what it misses and what it tags wrongly roughly balance" if 0.85 <= ratio <= 1.15
               else f"likely to be too {'low' if ratio < 1 else 'high'}: about {round(ratio * 10)} passages "
                    "tagged for every 10 really on it")
    return (f"Before release, the tagger was measured on {shipped['passages']:,} passages by writers whose text it "
            f"had not learned from: it found {round(found['recall'] * 100)}% of the {found['support']} passages on "
            f"this theme, and {round(found['precision'] * 100)}% of the passages it tagged with it were on it. "
            f"So its counts of this theme are {reading}.")


@pytest.mark.parametrize("path", ["/themes/{}", "/themes/{}/briefing", "/trends/{}"])
@pytest.mark.parametrize("theme_id", ["child-sexual-abuse", "mental-health"])
def test_pages_say_how_well_the_tagger_was_measured_to_find_the_theme(
        access_app: Flask, path: str, theme_id: str) -> None:
    page = soup(client_of(access_app, "viewer").get(path.format(theme_id)))
    assert text_of(page.select_one(".curator-checks .measured-quality")) == measured_sentence(theme_id)


def test_the_api_and_the_command_line_carry_the_measurement(access_app: Flask, access_data: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    shipped = shipped_measurement()
    found = client_of(access_app, "viewer").get("/api/themes/child-sexual-abuse").get_json()["theme"]
    measured = found["measured_quality"]
    assert (measured["recall"], measured["precision"], measured["count_bias"]) == (
        shipped["themes"]["child-sexual-abuse"]["recall"], shipped["themes"]["child-sexual-abuse"]["precision"], "low")
    assert measured["measurement"]["passages"] == shipped["passages"]
    assert main(["themes", "--json", "--data", str(access_data)]) == 0
    listed = {t["id"]: t["measured_quality"] for t in json.loads(capsys.readouterr().out)}
    assert listed["child-sexual-abuse"] == measured
    recurrence = {t["theme"]: t["measured_quality"]
                  for t in client_of(access_app, "viewer").get("/api/recurrence").get_json()["themes"]}
    assert recurrence["child-sexual-abuse"] == measured


def measured_cell(theme_id: str) -> str:
    found = shipped_measurement()["themes"][theme_id]
    ratio = found["recall"] / found["precision"]
    bias = "" if 0.85 <= ratio <= 1.15 else f"; counts run {'low' if ratio < 1 else 'high'}"
    return (f"Tagger measured: finds {round(found['recall'] * 100)}%, "
            f"{round(found['precision'] * 100)}% right{bias}")


@pytest.mark.parametrize("path, table", [("/themes", ".themes-table"), ("/trends", ".recurrence-table")])
def test_theme_tables_give_the_tagger_measured_beside_the_counts(access_app: Flask, path: str, table: str) -> None:
    page = soup(client_of(access_app, "viewer").get(path))
    kb = access_app.extensions["knowledge_base"]
    cells = {text_of(row.th): text_of(row.select_one(".measured-quality-cell"))
             for row in page.select(f"{table} tbody tr")}
    for theme_id in ("child-sexual-abuse", "mental-health", "babies"):
        assert cells[kb.taxonomy.label(theme_id)] == measured_cell(theme_id)
    assert "counts run low" in cells[kb.taxonomy.label("child-sexual-abuse")]
