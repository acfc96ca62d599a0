"""The trends page, a theme's recurrence and briefing, and their JSON and CSV twins, over the
indexed sample corpus: every number agrees with the knowledge base and with the search it links to."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from kb.trends import TrendFilters, recurrence, theme_trends
from tests.web.pages import kb_of, soup

THEME = "fathers-male-carers"


def api_search(client: FlaskClient, url: str) -> dict:
    """The JSON twin of a search page address, all of it on one page."""
    params = parse_qsl(urlsplit(url).query) + [("per_page", "100")]
    return client.get("/api/search", query_string=params).get_json()


def test_the_documents_table_gives_each_count_and_links_to_its_search(
        client: FlaskClient, app: Flask) -> None:
    trends = theme_trends(kb_of(app))
    page = soup(client.get("/trends"))
    table = page.select("table.trend-table")[0]
    assert [th.get_text() for th in table.thead("th")][1:] == [str(y) for y in trends.years]
    for row, theme_id in zip(table.tbody("tr"), trends.theme_ids):
        links = row.select("a.cell-link")
        assert [int(a.contents[0]) for a in links] == [
            trends.cell(theme_id, year, scope).documents for year in trends.years
            for scope in trends.scopes]
        if theme_id == THEME:
            for link, (year, scope) in zip(links, [(y, s) for y in trends.years
                                                   for s in trends.scopes]):
                found = api_search(client, link["href"])
                assert len({r["document_id"] for r in found["results"]}) == int(link.contents[0])
                assert found["total"] == trends.cell(theme_id, year, scope).passages
    totals = [td.get_text(" ", strip=True) for td in table.tfoot("td")]
    assert totals[0].split()[0] == str(trends.published.get((trends.years[0], "local"), 0))


def test_charts_are_pictures_whose_cells_link_like_the_tables(client: FlaskClient, app: Flask) -> None:
    trends = theme_trends(kb_of(app))
    page = soup(client.get("/trends"))
    heatmap = page.find("svg", class_="heatmap")
    assert heatmap["aria-hidden"] == "true"
    cells = len(trends.theme_ids) * len(trends.years) * len(trends.scopes)
    assert len(heatmap("rect")) == cells
    assert all(a["tabindex"] == "-1" and a.title.get_text() for a in heatmap("a"))
    documents_table, passages_table = page.select("table.trend-table")
    assert [a["href"] for a in heatmap("a")] == [
        a["href"] for scope in trends.scopes for row in documents_table.tbody("tr")
        for a in row.select("a.cell-link")[trends.scopes.index(scope)::len(trends.scopes)]]
    charts = page.select("ul.line-charts svg.line-chart")
    assert len(charts) == len(trends.theme_ids)
    assert {a["href"] for svg in charts for a in svg("a")} == {
        a["href"] for a in passages_table.select("a.cell-link")}
    passages = [int(a.contents[0]) for a in passages_table.select("a.cell-link")]
    assert sum(passages) == sum(cell.passages for cell in trends.cells.values())
    downloads = [a["href"] for a in page.select("p.download a")]
    assert "/api/trends.csv" in downloads and "/api/trends" in downloads


def test_filters_narrow_the_counts_and_stay_in_the_form(client: FlaskClient, app: Flask) -> None:
    params = [("kind", "cspr"), ("scope", "local"), ("year_from", "2020")]
    page = soup(client.get("/trends", query_string=params))
    trends = theme_trends(kb_of(app), TrendFilters(kind=("cspr",), scope=("local",), year_from=2020))
    assert page.find("input", attrs={"name": "kind", "value": "cspr"}).has_attr("checked")
    assert page.find("input", id="trend-year-from")["value"] == "2020"
    links = page.select("table.trend-table")[0].select("a.cell-link")
    assert len(links) == len(trends.theme_ids) * len(trends.years)
    assert all(("kind", "cspr") in parse_qsl(urlsplit(a["href"]).query)
               and ("scope", "local") in parse_qsl(urlsplit(a["href"]).query) for a in links)
    assert sum(int(a.contents[0]) for a in links) == sum(c.documents for c in trends.cells.values())
    response = client.get("/trends", query_string={"year_from": "last year"})
    assert response.status_code == 400 and "year_from must be a whole number" in response.get_data(as_text=True)


def test_recurrence_table_and_json(client: FlaskClient, app: Flask) -> None:
    expected = {found.theme_id: found for found in recurrence(kb_of(app))}
    rows = soup(client.get("/trends")).find("table", class_="recurrence-table").tbody("tr")
    for row in rows:
        theme_id = row.th.a["href"].rsplit("/", 1)[1]
        cells = [td.get_text(" ", strip=True) for td in row("td")]
        found = expected[theme_id]
        assert cells[:3] == [str(found.first_year), str(found.last_year),
                             f"{found.documents} documents: search their passages"]
        assert cells[5] == (", ".join(map(str, found.recurred_in)) or "Not yet")
    listed = client.get("/api/recurrence").get_json()["themes"]
    assert [t["theme"] for t in listed] == list(kb_of(app).taxonomy.ids)
    one = next(t for t in listed if t["theme"] == THEME)
    assert one["years"] == expected[THEME].years and one["url"].endswith(f"/api/recurrence/{THEME}")
    assert client.get(one["search_url"]).status_code == 200


def test_a_themes_recurrence_lists_local_reviews_repeating_national_learning(
        client: FlaskClient) -> None:
    found = client.get(f"/api/recurrence/{THEME}").get_json()
    repeats = found["repeated_national_learning"]
    assert found["theme"]["theme"] == THEME and repeats
    for repeat in repeats:
        assert repeat["document"]["scope"] == "local"
        for passage in repeat["passages"]:
            assert THEME in passage["themes"] and passage["earlier"]
            assert all(e["document"]["scope"] == "national"
                       and e["document"]["year"] < repeat["document"]["year"]
                       for e in passage["earlier"])
    page = soup(client.get(f"/trends/{THEME}"))
    assert [a.get_text() for a in page.select("article.repeat h3 a")] == [
        r["document"]["title"] for r in repeats]
    earlier = page.select("article.repeat .earlier-list .similar-title a")
    assert len(earlier) == sum(len(p["earlier"]) for r in repeats for p in r["passages"])
    assert client.get("/trends/no-such-theme").status_code == 404
    assert client.get("/api/recurrence/no-such-theme").status_code == 404


def test_trends_json_and_csv(client: FlaskClient, app: Flask) -> None:
    found = client.get("/api/trends", query_string={"scope": "national"}).get_json()
    trends = theme_trends(kb_of(app), TrendFilters(scope=("national",)))
    assert found["scopes"] == ["national"] and found["years"] == trends.years
    assert {(c["theme"], c["year"]): c["passages"] for c in found["cells"] if c["passages"]} == {
        (cell.theme_id, cell.year): cell.passages for cell in trends.cells.values()}
    assert all(c["search_url"].startswith("http://localhost/?") for c in found["cells"])
    response = client.get("/api/trends.csv", query_string={"scope": "national"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="theme-trends.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(found["cells"])
    assert [int(r["documents"]) for r in rows] == [c["documents"] for c in found["cells"]]
    assert client.get("/api/trends", query_string={"year_to": "x"}).status_code == 400


def test_a_theme_briefing_fits_a_meeting(client: FlaskClient, app: Flask) -> None:
    kb = kb_of(app)
    trends = theme_trends(kb)
    page = soup(client.get(f"/themes/{THEME}/briefing"))
    assert page.h1.get_text() == kb.taxonomy.label(THEME)
    assert not page.find(id="q"), "no search box on a page to print"
    rows = page.find("table", class_="briefing-table").tbody("tr")
    assert [row.th.get_text() for row in rows] == [str(y) for y in trends.years]
    for row, year in zip(rows, trends.years):
        assert [int(td.get_text()) for td in row("td")] == [
            getattr(trends.cell(THEME, year, scope), measure)
            for measure in ("documents", "passages") for scope in trends.scopes]
    for heading in ("finding-heading", "recommendation-heading"):
        points = page.find(id=heading).find_parent("section").select("ol.briefing-points > li")
        assert points
        for point in points:
            citation = point.find("p", class_="citation").get_text(" ", strip=True)
            title = point.find("p", class_="citation").a.get_text()
            document = next(d for d in kb.store.documents() if d.meta.title == title)
            # The page, when the report has pages (a Markdown briefing has none).
            assert re.fullmatch(rf"— {re.escape(title)} , {re.escape(document.meta.publisher)}, "
                                rf"{document.meta.year}(, pp?\. .+)?", citation), citation
    assert client.get("/themes/no-such-theme/briefing").status_code == 404
    assert soup(client.get(f"/themes/{THEME}")).find("a", href=f"/themes/{THEME}/briefing")
