"""The search page and API on the sample corpus: what a total counts, strict narrowing, the
theme a query names, acronyms read as meant, and "made before" with its strength."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.web.pages import soup

LONG_QUERY = "home educated child not seen"


def api(client: FlaskClient, **params: str) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def passages_in_corpus(client: FlaskClient) -> int:
    return api(client, q="")["total"]


def test_the_page_says_what_was_counted_and_offers_everything(client: FlaskClient) -> None:
    everything = passages_in_corpus(client)
    page = soup(client.get("/", query_string={"q": LONG_QUERY}))
    count = page.find(id="result-count").get_text(" ", strip=True)
    found = re.match(r"([\d,]+) relevant passages found; ([\d,]+) mention any of your words", count)
    assert found, count
    relevant, mentioned = (int(n.replace(",", "")) for n in found.groups())
    assert relevant < 0.4 * everything < mentioned
    link = page.find("a", string=re.compile(r"Show every passage that mentions any of your words"))
    assert link and "match=any" in link["href"]
    wider = soup(client.get(link["href"]))
    shown = re.match(r"([\d,]+) passages found", wider.find(id="result-count").get_text(
        " ", strip=True))
    assert shown and int(shown.group(1).replace(",", "")) >= mentioned
    assert wider.find("a", string=re.compile("Show only the relevant ones"))


def test_the_api_says_what_was_counted(client: FlaskClient) -> None:
    found = api(client, q=LONG_QUERY)
    assert found["counted"] == "relevant" and found["match"] == "relevant"
    assert found["total"] < 0.4 * passages_in_corpus(client) < found["matched"]
    assert sum(v["count"] for v in found["facets"]["scope"]) == found["total"]
    single = api(client, q="father")
    assert single["counted"] == "any" and single["matched"] == single["total"]


def test_the_theme_a_query_names_is_shown_among_the_first_filters(client: FlaskClient) -> None:
    found = api(client, q=LONG_QUERY)
    assert found["query_themes"] == ["home-education"] or "home-education" in found["query_themes"]
    first = found["facets"]["theme"][0]
    assert first["value"] == "home-education" and first["from_query"]
    page = soup(client.get("/", query_string={"q": LONG_QUERY}))
    box = page.find("input", attrs={"name": "theme", "value": "home-education"})
    assert box is not None and box.find_parent("details") is None, "not hidden under 'more'"
    # Selected or not, it stays in view.
    page = soup(client.get("/", query_string={"q": LONG_QUERY, "theme": "babies"}))
    box = page.find("input", attrs={"name": "theme", "value": "home-education"})
    assert box is not None and box.find_parent("details") is None


def test_all_of_these_words_is_a_form_option_kept_in_the_address(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string={"q": "dad midwife"}))
    option = page.find("input", id="all-words")
    assert option["name"] == "match" and option["value"] == "all" and not option.has_attr("checked")
    assert option.find_parent("form")["id"] == "search-form"
    narrowed = client.get("/", query_string={"q": "dad midwife", "match": "all", "per_page": "2"})
    page = soup(narrowed)
    assert page.find("input", id="all-words").has_attr("checked")
    strict, loose = api(client, q="dad midwife", match="all"), api(client, q="dad midwife")
    assert 0 < strict["total"] < loose["total"] and strict["match"] == "all"
    links = [a["href"] for a in page.select(".pagination a")]
    assert links and all("match=all" in href for href in links), links
    assert client.get("/api/search", query_string={"q": "x", "match": "most"}).status_code == 400


def test_a_plus_word_is_required(client: FlaskClient) -> None:
    strict = api(client, q="+dentist neglect", per_page="100")
    assert strict["results"] and all("dentist" in r["text"].lower() for r in strict["results"])


def test_a_misspelt_acronym_is_searched_as_meant(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string={"q": "CAHMS"}))
    notice = page.find(class_="read-as")
    assert notice and "CAMHS" in notice.get_text() and "CAHMS" in notice.get_text()
    assert "0 passages found" not in page.find(id="result-count").get_text()
    found = api(client, q="CAMS")
    assert found["read_as"][0]["as"] == "CAMHS" and found["total"] > 0
    assert found["suggestion"] != "came"
    assert api(client, q="CMAHS")["suggestion"] == "CAMHS"


def test_made_before_says_how_strong_each_match_is(client: FlaskClient) -> None:
    found = client.get("/api/recommendations", query_string={
        "q": '"structured field"', "scope": "national"}).get_json()
    national = next(r for r in found["results"] if "structured field for the father" in r["text"])
    earlier = national["made_before"]
    texts = " ".join(e["text"] for e in earlier)
    assert "relationship of every adult" in texts and "full details of fathers" in texts
    assert all(e["match"] in ("strong", "partial") and e["strength"] > 0 for e in earlier)
    page = soup(client.get("/recommendations", query_string={"q": '"structured field"',
                                                             "scope": "national"}))
    assert page.find(class_="match-partial") or page.find(class_="match-strong")
