"""The trends page, a theme's recurrence and briefing, and their JSON and CSV twins, over the
indexed sample corpus: every number agrees with the knowledge base and with the search it links to."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from kb.trends import TrendFilters, recurrence, theme_trends
from tests.web.pages import soup

THEME = "fathers-male-carers"


def api_search(client: FlaskClient, url: str) -> dict:
    """The JSON twin of a search page address, all of it on one page."""
    params = parse_qsl(urlsplit(url).query) + [("per_page", "100")]
    return client.get("/api/search", query_string=params).get_json()


def test_the_documents_table_gives_each_count_and_links_to_its_search(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    trends = theme_trends(corpus)
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


def test_charts_are_pictures_whose_cells_link_like_the_tables(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    trends = theme_trends(corpus)
    page = soup(client.get("/trends"))
    heatmap = page.find("table", class_="heatmap")
    cells = heatmap.select("tbody td.heat")
    assert len(cells) == len(trends.theme_ids) * len(trends.years) * len(trends.scopes)
    assert all(cell.a["title"] and cell.a.find(string=True, recursive=False).strip().isdigit()
               for cell in cells)
    documents_table, passages_table = page.select("table.trend-table")
    assert [td.a["href"] for td in cells] == [
        a["href"] for row in documents_table.tbody("tr") for scope in trends.scopes
        for a in row.select("a.cell-link")[trends.scopes.index(scope)::len(trends.scopes)]]
    charts = page.select("ul.line-charts svg.line-chart")
    assert len(charts) == len(trends.theme_ids)
    assert {a["href"] for svg in charts for a in svg("a")} == {
        a["href"] for a in passages_table.select("a.cell-link")}
    passages = [int(a.contents[0]) for a in passages_table.select("a.cell-link")]
    assert sum(passages) == sum(cell.passages for cell in trends.cells.values())
    downloads = [a["href"] for a in page.select("p.download a")]
    assert "/api/trends.csv" in downloads and "/api/trends" in downloads


def test_filters_narrow_the_counts_and_stay_in_the_form(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    params = [("kind", "cspr"), ("scope", "local"), ("year_from", "2020")]
    page = soup(client.get("/trends", query_string=params))
    trends = theme_trends(corpus, TrendFilters(kind=("cspr",), scope=("local",), year_from=2020))
    assert page.find("input", attrs={"name": "kind", "value": "cspr"}).has_attr("checked")
    assert page.find("input", id="trend-year-from")["value"] == "2020"
    links = page.select("table.trend-table")[0].select("a.cell-link")
    assert len(links) == len(trends.theme_ids) * len(trends.years)
    assert all(("kind", "cspr") in parse_qsl(urlsplit(a["href"]).query)
               and ("scope", "local") in parse_qsl(urlsplit(a["href"]).query) for a in links)
    assert sum(int(a.contents[0]) for a in links) == sum(c.documents for c in trends.cells.values())
    response = client.get("/trends", query_string={"year_from": "last year"})
    assert response.status_code == 400 and "year_from must be a whole number" in response.get_data(as_text=True)


def test_recurrence_table_and_json(client: FlaskClient, corpus: KnowledgeBase) -> None:
    expected = {found.theme_id: found for found in recurrence(corpus)}
    rows = soup(client.get("/trends")).find("table", class_="recurrence-table").tbody("tr")
    for row in rows:
        theme_id = row.th.a["href"].rsplit("/", 1)[1]
        cells = [td.get_text(" ", strip=True) for td in row("td")]
        found = expected[theme_id]
        assert cells[0].startswith(f"Documents: {found.documents} documents: search their passages")
        assert cells[1] == "Local: " + (", ".join(map(str, found.years_by_scope["local"]))
                                        or "Not seen")
        assert cells[2] == "National: " + (", ".join(map(str, found.years_by_scope["national"]))
                                           or "Not seen")
    listed = client.get("/api/recurrence").get_json()["themes"]
    assert [t["theme"] for t in listed] == list(corpus.taxonomy.ids)
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


def test_trends_json_and_csv(client: FlaskClient, corpus: KnowledgeBase) -> None:
    found = client.get("/api/trends", query_string={"scope": "national"}).get_json()
    trends = theme_trends(corpus, TrendFilters(scope=("national",)))
    assert found["scopes"] == ["national"] and found["years"] == trends.years
    assert {(c["theme"], c["year"]): c["passages"] for c in found["cells"] if c["passages"]} == {
        (cell.theme_id, cell.year): cell.passages for cell in trends.cells.values()}
    assert all(c["search_url"].startswith("/?") for c in found["cells"])
    response = client.get("/api/trends.csv", query_string={"scope": "national"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="theme-trends-national.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(found["cells"])
    assert [int(r["documents"]) for r in rows] == [c["documents"] for c in found["cells"]]
    assert client.get("/api/trends", query_string={"year_to": "x"}).status_code == 400


def test_a_theme_briefing_fits_a_meeting(client: FlaskClient, corpus: KnowledgeBase) -> None:
    kb = corpus
    trends = theme_trends(kb)
    page = soup(client.get(f"/themes/{THEME}/briefing"))
    assert page.h1.get_text() == kb.taxonomy.label(THEME)
    assert not page.find(id="q"), "no search box on a page to print"
    rows = page.find("table", class_="briefing-table").tbody("tr")
    assert [row.th.get_text() for row in rows] == [str(y) for y in trends.years]
    for row, year in zip(rows, trends.years):
        assert [int(td.a.get_text()) for td in row("td")] == [
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


def test_recurrence_is_given_local_and_national_apart(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    """A theme seen nationally every year but locally with gaps shows both, not one merged run."""
    kb = corpus
    trends = theme_trends(kb)
    found = {r.theme_id: r for r in recurrence(kb)}
    for theme_id, theme in found.items():
        for scope in trends.scopes:
            expected = [year for year in trends.years if trends.cell(theme_id, year, scope).documents]
            assert theme.years_by_scope[scope] == expected
        assert sorted(set(theme.years_by_scope["local"]) | set(theme.years_by_scope["national"])) \
            == theme.years
    mixed = [t for t in found.values() if t.years != t.years_by_scope["local"]
             and t.years_by_scope["local"]]
    assert mixed, "some theme recurs in years local reviews did not see it: the corpus shows the point"
    listed = {t["theme"]: t for t in client.get("/api/recurrence").get_json()["themes"]}
    theme = mixed[0]
    assert listed[theme.theme_id]["years_by_scope"] == theme.years_by_scope
    assert listed[theme.theme_id]["recurred_in_by_scope"]["local"] == theme.years_by_scope["local"][1:]
    page = soup(client.get(f"/trends/{theme.theme_id}"))
    facts = page.find("dl", class_="facts").get_text(" ", strip=True)
    assert "Seen locally in " + ", ".join(map(str, theme.years_by_scope["local"])) in facts


def test_each_year_gives_the_share_of_that_years_documents(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    trends = theme_trends(corpus)
    cells = client.get("/api/trends").get_json()["cells"]
    for cell in cells:
        published = trends.published.get((cell["year"], cell["scope"]), 0)
        if published:
            assert cell["share_of_documents"] == round(cell["documents"] / published, 3)
        else:
            assert cell["share_of_documents"] is None
    busiest = max(cells, key=lambda c: (c["share_of_documents"] or 0, c["documents"]))
    page = soup(client.get(f"/trends/{busiest['theme']}"))
    row = next(tr for tr in page.find("table", class_="share-table").tbody("tr")
               if tr.th.get_text() == str(busiest["year"]))
    published = trends.published[(busiest["year"], busiest["scope"])]
    text = row.get_text(" ", strip=True)
    assert f"{busiest['documents']} of {published} ({round(busiest['share_of_documents'] * 100)}%)" in text


def test_the_heatmap_is_readable_and_its_legend_fits_the_counts(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    from web.charts import HEAT_LEVELS, heat_legend, heat_level

    assert heat_legend(2) == [(0, "0"), (1, "1"), (2, "2")]
    assert [heat_level(count, 2) for count in (0, 1, 2)] == [0, 1, 2]
    assert [label for _, label in heat_legend(12)] == ["0", "1–2", "3–4", "5–7", "8–9", "10–12"]
    assert heat_level(12, 12) == HEAT_LEVELS
    trends = theme_trends(corpus, TrendFilters(scope=("local",), year_from=2024))
    page = soup(client.get("/trends?scope=local&year_from=2024"))
    legend = [li.get_text(strip=True) for li in page.select("ul.heat-legend li")]
    assert legend == [label for _, label in heat_legend(trends.peak("documents"))]
    shades = {int(cls.split("-")[1]) for td in page.select("table.heatmap td.heat")
              for cls in td["class"] if cls.startswith("heat-") and cls[5:].isdigit()}
    assert max(shades) == min(trends.peak("documents"), HEAT_LEVELS)


def test_the_wide_csv_is_named_after_its_filters(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    import csv
    import io

    trends = theme_trends(corpus, TrendFilters(kind=("cspr",), scope=("local",), year_from=2020))
    response = client.get("/api/trends.csv?kind=cspr&scope=local&year_from=2020&layout=wide")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="theme-trends-cspr-local-2020-end-wide.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["theme_id", "theme"]
    assert rows[0][2:2 + len(trends.years)] == [f"{year} local" for year in trends.years]
    by_theme = {row[0]: row for row in rows[1:] if row[0]}
    assert set(by_theme) == set(trends.theme_ids)
    for theme_id, row in by_theme.items():
        assert [int(v) for v in row[2:2 + len(trends.years)]] == [
            trends.cell(theme_id, year, "local").documents for year in trends.years]
    long = client.get("/api/trends.csv?scope=national")
    assert 'filename="theme-trends-national.csv"' in long.headers["Content-Disposition"]
    assert client.get("/api/trends.csv?layout=sideways").status_code == 400
    page = soup(client.get("/trends?scope=local"))
    assert any("layout=wide" in a["href"] and "scope=local" in a["href"]
               for a in page.select("p.download a"))


def test_areas_group_publishers_and_our_area_is_one_click(
        corpus_data, corpus: KnowledgeBase) -> None:
    from tests.web.conftest import close_app, make_app

    app = make_app(corpus_data, our_area="Northmoor")
    try:
        client = app.test_client()
        page = soup(client.get("/trends"))
        link = page.find("a", string="Our area only (Northmoor)")
        assert link and ("area", "Northmoor") in parse_qsl(urlsplit(link["href"]).query)
        ours = soup(client.get(link["href"]))
        assert ours.find("input", attrs={"name": "area", "value": "Northmoor"}).has_attr("checked")
        kb = corpus
        northmoor = [d for d in kb.store.documents() if d.meta.area == "Northmoor"]
        assert len({d.meta.publisher for d in northmoor}) == 2, "a Board and a Partnership"
        found = client.get("/api/trends?area=Northmoor").get_json()
        assert sum(p["documents"] for p in found["published"]) == len(northmoor)
        assert found["filters"]["area"] == ["Northmoor"]
        search = soup(client.get("/?q=father"))
        label = search.find("input", attrs={"name": "area", "value": "Northmoor"}).find_next("label")
        assert "(our area)" in label.get_text()
        assert all(c["search_url"].count("area=Northmoor") == 1 for c in found["cells"][:5])
    finally:
        close_app(app)


def test_a_reversed_year_range_on_the_trends_page_says_so_beside_the_years(
        client: FlaskClient) -> None:
    response = client.get("/trends?scope=local&year_from=2025&year_to=2020")
    assert response.status_code == 400
    page = soup(response)
    assert "wrong way round" in page.find(class_="error-summary").find(
        "a", href="#trend-year-from").get_text()
    year_from = page.find("input", id="trend-year-from")
    assert year_from["value"] == "2025" and year_from["aria-invalid"] == "true"
    assert page.find("input", attrs={"name": "scope", "value": "local"}).has_attr("checked")
    assert page.find("table", class_="heatmap"), "the trends without the range are still shown"
