"""The search page over the indexed sample corpus: results, facets, chips, paging, htmx and errors."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.web.pages import soup

QUERY = "father"


def api(client: FlaskClient, params: list[tuple[str, str]]) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def all_passage_ids(client: FlaskClient, params: list[tuple[str, str]]) -> set[int]:
    """Every passage a search matches, page by page."""
    ids: set[int] = set()
    page, pages = 1, 1
    while page <= pages:
        found = api(client, params + [("per_page", "100"), ("page", str(page))])
        ids |= {result["passage_id"] for result in found["results"]}
        pages, page = found["pages"], page + 1
    return ids


def facet_values(found: dict, facet: str) -> list[dict]:
    return [value for value in found["facets"][facet] if value["count"] > 0]


def test_home_page_has_a_labelled_search_box_landmarks_and_ways_in(client: FlaskClient) -> None:
    response = client.get("/")
    page = soup(response)
    assert response.status_code == 200
    box = page.find("input", id="q")
    assert box.has_attr("autofocus") and page.find("label", attrs={"for": "q"})
    assert page.find("form", role="search")["method"] == "get"
    assert page.find("a", class_="skip-link")["href"] == "#main"
    assert page.find("main", id="main") and page.find("aside") and page.find("header")
    assert page.find("nav", attrs={"aria-label": "Main"})
    assert page.find("a", href="/themes")
    assert page.find("script", src=lambda src: src and "htmx-2." in src)
    assert not page.find("script", src=lambda src: src and "//" in src), "no CDN scripts"
    assert not [s for s in page.find_all("script") if s.string and s.string.strip()], \
        "no inline scripts"


def test_results_are_passages_grouped_under_their_documents(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY)])
    page = soup(client.get("/", query_string={"q": QUERY}))
    assert found["total"] > 0
    assert page.find(id="result-count").get_text(" ", strip=True).startswith(
        f"{found['total']:,} passage")
    groups = page.find_all("article", class_="result-group")
    titles = [group.find("h2").get_text(strip=True) for group in groups]
    assert titles == list(dict.fromkeys(result["title"] for result in found["results"]))
    assert len(page.select(".result-group li.passage")) == len(found["results"])
    first = groups[0]
    assert first.find("h2").find("a")["href"].startswith("/documents/")
    assert first.find(class_="badge", string=["Local", "National"])
    assert page.find("mark"), "the query words are highlighted"


def test_page_numbers_open_the_original_pdf_at_that_page(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY)])
    page = soup(client.get("/", query_string={"q": QUERY}))
    first = found["results"][0]
    link = page.select_one(".result-group .page-link")
    assert link["href"] == f"/documents/{first['document_id']}/file#page={first['page_start']}"
    assert link.get_text(" ", strip=True).startswith(f"p. {first['page_start']}")


def test_theme_chips_link_to_the_search_narrowed_to_that_theme(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string={"q": QUERY}))
    chip = page.select_one(".result-group .chips a.chip")
    params = parse_qsl(urlsplit(chip["href"]).query)
    assert ("q", QUERY) in params and len([p for p in params if p[0] == "theme"]) == 1
    assert chip["hx-get"] == chip["href"] and chip["hx-push-url"] == "true"


def test_selecting_a_facet_value_gives_exactly_its_count(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY)])
    for facet, param in (("theme", "theme"), ("scope", "scope"), ("passage_type", "type"),
                         ("year", "year")):
        value = facet_values(found, facet)[0]
        narrowed = api(client, [("q", QUERY), (param, value["value"])])
        assert narrowed["total"] == value["count"] <= found["total"]
        selected = [v for v in narrowed["facets"][facet] if v["selected"]]
        assert [v["value"] for v in selected] == [value["value"]]


def test_values_of_one_facet_combine_with_or(client: FlaskClient) -> None:
    first, second = facet_values(api(client, [("q", QUERY)]), "theme")[:2]
    either = [("q", QUERY), ("theme", first["value"]), ("theme", second["value"])]
    union = all_passage_ids(client, [("q", QUERY), ("theme", first["value"])]) | \
        all_passage_ids(client, [("q", QUERY), ("theme", second["value"])])
    assert api(client, either)["total"] == len(union) > max(first["count"], second["count"])


def test_different_facets_combine_with_and(client: FlaskClient) -> None:
    theme = facet_values(api(client, [("q", QUERY)]), "theme")[0]["value"]
    with_theme = api(client, [("q", QUERY), ("theme", theme)])
    local = next(v for v in with_theme["facets"]["scope"] if v["value"] == "local")
    both = api(client, [("q", QUERY), ("theme", theme), ("scope", "local")])
    assert both["total"] == local["count"]
    assert both["total"] == len(all_passage_ids(client, [("q", QUERY), ("theme", theme)])
                                & all_passage_ids(client, [("q", QUERY), ("scope", "local")]))


def test_year_range_keeps_only_those_years(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY), ("year_from", "2020"), ("year_to", "2022"),
                         ("per_page", "100")])
    assert found["total"] > 0
    assert all(2020 <= result["year"] <= 2022 for result in found["results"])
    page = soup(client.get("/", query_string={"q": QUERY, "year_from": "2020", "year_to": "2022"}))
    assert page.find("input", id="year_from")["value"] == "2020"
    assert any("2020–2022" in chip.get_text() for chip in page.select("a.chip-remove"))


def test_facets_are_checkboxes_of_the_search_form_with_counts(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY), ("scope", "local")])
    page = soup(client.get("/", query_string=[("q", QUERY), ("scope", "local")]))
    local = page.find("input", attrs={"name": "scope", "value": "local"})
    assert local["type"] == "checkbox" and local.has_attr("checked")
    assert local["form"] == "search-form"
    label = page.find("label", attrs={"for": local["id"]})
    count = next(v["count"] for v in found["facets"]["scope"] if v["value"] == "local")
    assert label.find(class_="count").get_text(" ", strip=True) == f"{count} passages"
    assert page.find("input", id="year_from") and page.find("input", id="year_to")


def test_active_filters_show_as_chips_that_remove_themselves(client: FlaskClient) -> None:
    theme = facet_values(api(client, [("q", QUERY)]), "theme")[0]
    page = soup(client.get("/", query_string=[("q", QUERY), ("theme", theme["value"]),
                                              ("scope", "national")]))
    chips = {chip.get_text(" ", strip=True): chip["href"] for chip in page.select("a.chip-remove")}
    theme_chip = next(href for text, href in chips.items() if theme["label"] in text)
    assert parse_qsl(urlsplit(theme_chip).query) == [("q", QUERY), ("scope", "national")]
    assert page.find("a", class_="clear-filters")["href"] == f"/?q={QUERY}"


def test_pages_of_results_follow_on(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY), ("per_page", "5")])
    assert found["pages"] > 2
    second = api(client, [("q", QUERY), ("per_page", "5"), ("page", "2")])
    first_ids = {r["passage_id"] for r in found["results"]}
    assert first_ids.isdisjoint(r["passage_id"] for r in second["results"])
    page = soup(client.get("/", query_string={"q": QUERY, "per_page": "5", "page": "2"}))
    nav = page.find("nav", class_="pagination")
    links = {a.get_text(" ", strip=True): a["href"] for a in nav.find_all("a")}
    assert "page=3" in links["Next page"] and "page=2" not in links["Previous page"]
    assert nav.find(attrs={"aria-current": "page"}).get_text(" ", strip=True) == "Page 2"
    assert "page 2 of" in page.find(id="result-count").get_text()


def test_newest_first_orders_by_year(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY), ("sort", "newest"), ("per_page", "100")])
    years = [result["year"] or 0 for result in found["results"]]
    assert years == sorted(years, reverse=True) and len(set(years)) > 1
    page = soup(client.get("/", query_string={"q": QUERY, "sort": "newest"}))
    assert page.find("select", id="sort").find("option", selected=True)["value"] == "newest"


def test_a_search_without_htmx_is_a_whole_page_and_with_htmx_a_partial(
        client: FlaskClient) -> None:
    whole = client.get("/", query_string={"q": QUERY})
    partial = client.get("/", query_string={"q": QUERY}, headers={"HX-Request": "true"})
    restore = client.get("/", query_string={"q": QUERY},
                         headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    for response in (whole, partial, restore):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert whole.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
    assert restore.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
    html = partial.get_data(as_text=True)
    assert "<html" not in html and "<header" not in html
    fragment = soup(partial)
    assert fragment.find(id="results-heading")
    assert fragment.find(id="filters")["hx-swap-oob"] == "innerHTML"
    assert fragment.find(id="result-count")["hx-swap-oob"] == "innerHTML"
    assert len(fragment.select(".result-group")) == len(soup(whole).select(".result-group"))


def test_the_form_searches_as_you_type_and_on_every_filter_change(client: FlaskClient) -> None:
    form = soup(client.get("/")).find("form", id="search-form")
    assert form["hx-get"] == "/" and form["hx-push-url"] == "true" and form["action"] == "/"
    trigger = form["hx-trigger"]
    assert "input changed delay:300ms from:#q" in trigger and "search from:#q" in trigger
    assert "change from:#filters" in trigger


def test_the_result_count_is_a_polite_live_region(client: FlaskClient) -> None:
    count = soup(client.get("/", query_string={"q": QUERY})).find(id="result-count")
    assert count["aria-live"] == "polite" and count["role"] == "status"


@pytest.mark.parametrize("params, message", [
    ({"year_from": "last year"}, "year_from must be a whole number"),
    ({"sort": "oldest"}, "sort must be one of"),
    ({"q": "x" * 501}, "too long"),
    ({"year": "abc"}, "year must be a whole number, not 'abc'"),
    ({"page": "two"}, "page must be a whole number"),
])
def test_bad_parameters_give_a_page_with_the_reason_and_status_400(
        client: FlaskClient, params: dict, message: str) -> None:
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/", query_string=params, headers=headers)
        assert response.status_code == 400
        assert message in soup(response).find(role="alert").get_text()


@pytest.mark.parametrize("query", ['"unclosed phrase', "AND", "((( OR", "-", "father AND OR )"])
def test_odd_queries_never_fail(client: FlaskClient, query: str) -> None:
    assert client.get("/", query_string={"q": query}).status_code == 200


def test_a_query_that_cannot_be_used_shows_the_notice(client: FlaskClient) -> None:
    found = api(client, [("q", "((( OR")])
    page = soup(client.get("/", query_string={"q": "((( OR"}))
    assert found["notice"]
    assert page.find(class_="notice").get_text(strip=True) == found["notice"]


def test_no_results_suggests_what_to_try(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string=[("q", "xylophone quasar"), ("scope", "local")]))
    empty = page.find(class_="empty-state")
    assert "No passages match" in empty.get_text()
    assert empty.find("a", href="/?q=xylophone+quasar")  # remove the filters
    assert empty.find("a", href="/themes")
    assert "0 passages found" in page.find(id="result-count").get_text()


def test_a_misspelling_offers_did_you_mean(client: FlaskClient) -> None:
    found = api(client, [("q", "fathrs")])
    assert found["suggestion"]
    link = soup(client.get("/", query_string={"q": "fathrs"})).find(class_="suggestion").find("a")
    assert link.get_text() == found["suggestion"]
    assert parse_qsl(urlsplit(link["href"]).query) == [("q", found["suggestion"])]


def test_the_csv_link_carries_the_search(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string=[("q", QUERY), ("scope", "local"), ("page", "2")]))
    link = page.find("p", class_="download").find("a")
    assert link["href"] == f"/api/search.csv?q={QUERY}&scope=local"


def test_markup_in_reports_is_shown_as_text(hostile_app) -> None:
    client = hostile_app.test_client()
    html = client.get("/", query_string={"q": "social worker"}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    listed = client.get("/", query_string={"q": "father"}).get_data(as_text=True)
    assert "<script>alert" not in listed and "alert(2)" in listed


def test_the_search_box_takes_focus_only_on_the_empty_home_page(client: FlaskClient) -> None:
    assert soup(client.get("/")).find("input", id="q").has_attr("autofocus")
    for params in ({"q": QUERY}, {"scope": "local"}, {"year_from": "2020"}, {"year_from": "x"},
                   {"q": QUERY, "theme": "babies", "page": "2"}):
        box = soup(client.get("/", query_string=params)).find("input", id="q")
        assert not box.has_attr("autofocus"), params


def test_agencies_show_their_labels_in_the_sidebar_and_chips(client: FlaskClient) -> None:
    page = soup(client.get("/", query_string=[("q", QUERY), ("agency", "health-visiting")]))
    box = page.find("input", attrs={"name": "agency", "value": "childrens-social-care"})
    label = page.find("label", attrs={"for": box["id"]})
    assert label.get_text(" ", strip=True).startswith("Children's social care ")
    chips = [chip.get_text(" ", strip=True) for chip in page.select("a.chip-remove")]
    assert any(chip.startswith("Agency: Health visiting") for chip in chips), chips
    assert not any("health-visiting" in chip for chip in chips)
    age = page.find("input", attrs={"name": "age", "value": "baby"})
    assert page.find("label", attrs={"for": age["id"]}).get_text(" ", strip=True).startswith(
        "Baby (under 2) ")


def test_a_page_past_the_last_shows_the_last_page_and_says_so(client: FlaskClient) -> None:
    pages = api(client, [("q", QUERY)])["pages"]
    assert pages > 1
    last = soup(client.get("/", query_string={"q": QUERY, "page": str(pages)}))
    page = soup(client.get("/", query_string={"q": QUERY, "page": "99"}))
    assert page.find(id="result-count").get_text(" ", strip=True).endswith(
        f"page {pages} of {pages}.")
    assert [a["href"] for a in page.select(".result-group h2 a")] == \
        [a["href"] for a in last.select(".result-group h2 a")]
    assert page.select(".result-group")
    assert "There is no page 99" in page.find(class_="page-past-end").get_text()
    nav = page.find("nav", class_="pagination")
    assert nav.find(attrs={"aria-current": "page"}).get_text(" ", strip=True) == f"Page {pages}"
    swapped = client.get("/", query_string={"q": QUERY, "page": "99"}, headers={"HX-Request": "true"})
    assert swapped.headers["HX-Push-Url"] == f"/?q={QUERY}&page={pages}"
    assert "HX-Push-Url" not in client.get(
        "/", query_string={"q": QUERY, "page": "2"}, headers={"HX-Request": "true"}).headers
    register = soup(client.get("/recommendations", query_string={"page": "999"}))
    assert register.select(".register-item") and register.find(class_="page-past-end")


def test_an_unknown_facet_value_matches_nothing_and_is_a_chip_to_remove(
        client: FlaskClient) -> None:
    for param in ("kind", "theme", "agency"):
        response = client.get("/", query_string=[("q", QUERY), (param, "foo")])
        assert response.status_code == 200
        page = soup(response)
        assert "No passages match" in page.find(class_="empty-state").get_text()
        chip = page.find("a", class_="chip-remove")
        assert chip.get_text(" ", strip=True).endswith("foo (remove this filter) ×")
        assert chip["href"] == f"/?q={QUERY}"


def test_a_count_of_one_is_one_passage(client: FlaskClient) -> None:
    found = api(client, [("q", QUERY)])
    one = next((name, value) for name, values in found["facets"].items() for value in values
               if value["count"] == 1)
    page = soup(client.get("/", query_string={"q": QUERY}))
    box = page.find("input", attrs={"name": found["facet_params"][one[0]], "value": one[1]["value"]})
    count = page.find("label", attrs={"for": box["id"]}).find(class_="count")
    assert count.get_text(" ", strip=True) == "1 passage"
    narrowed = [("q", QUERY), (found["facet_params"][one[0]], one[1]["value"])]
    assert api(client, narrowed)["total"] == 1
    text = soup(client.get("/", query_string=narrowed))
    assert text.find(id="result-count").get_text(" ", strip=True) == "1 passage found."


def test_a_reversed_year_range_says_so_beside_the_years(client) -> None:
    """From 2025 to 2020 is not silently nothing: a message (GOV.UK style) links to the field,
    the years stay as typed, the filters are still there; the API says the same."""
    for path in ("/", "/recommendations", "/documents"):
        response = client.get(path, query_string={"q": "father", "year_from": "2025",
                                                  "year_to": "2020"})
        assert response.status_code == 400, path
        page = soup(response)
        summary = page.find(class_="error-summary")
        link = summary.find("a", href="#year_from")
        assert "wrong way round" in link.get_text() and "2025" in link.get_text(), path
        year_from = page.find("input", id="year_from")
        assert year_from["value"] == "2025" and year_from["aria-invalid"] == "true", path
        assert page.find("input", id="year_to")["value"] == "2020"
        assert "wrong way round" in page.find(id=year_from["aria-describedby"]).get_text()
        assert page.select("#filters input[name=theme]"), f"{path}: the filters are still shown"
    answer = client.get("/api/search", query_string={"year_from": "2025", "year_to": "2020"})
    assert answer.status_code == 400 and "wrong way round" in answer.get_json()["error"]
    assert client.get("/?year_from=2020&year_to=2020").status_code == 200
