"""The three users' paths in real headless Chromium: links into the report, the catalogue,
phones (390 and 320 px wide), signing in without losing the click that asked for it,
reorder buttons that name their item; axe-core at desktop and phone widths, with the
colour-contrast checks axe leaves "for review" counted as failures.
"""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web.conftest import PASSWORD
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    CHROMEDRIVER, CHROMIUM, axe_script, browser, browser_without_js, curator_server, server,
    sign_in_with, sign_out, wait_for,
)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)")

PHONE, SMALL_PHONE, DESKTOP = 390, 320, 1280


def set_width(driver: WebDriver, width: int) -> None:
    """Emulate a screen ``width`` CSS pixels wide (a phone's viewport when narrow)."""
    if width >= DESKTOP:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": True})


@pytest.fixture
def phone(browser: WebDriver) -> Iterator[WebDriver]:  # noqa: F811
    set_width(browser, PHONE)
    yield browser
    set_width(browser, DESKTOP)


def accessibility_problems(driver: WebDriver, script: str) -> list[str]:
    """axe-core's violations, and the colour-contrast checks it could not decide ("needs review")."""
    driver.execute_script(script)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        ".then(r => done(r.violations.concat("
        "  r.incomplete.filter(i => i.id.startsWith('color-contrast'))"
        "   .map(i => Object.assign({}, i, {id: 'review ' + i.id})))"
        " .map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ') +"
        "  ' (' + (n.any.concat(n.all).map(c => c.message).join('; ')) + ')').join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));")


def horizontal_overflow(driver: WebDriver) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")


def in_viewport(driver: WebDriver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight;", element)


# -- 1. links into the report ----------------------------------------------------------------
@pytest.mark.parametrize("path", ["/?q=father", "/recommendations?q=father"])
def test_show_in_report_opens_the_document_at_the_passage(browser: WebDriver,  # noqa: F811
                                                         server: str, path: str) -> None:  # noqa: F811
    browser.get(server + path)
    links = browser.find_elements(By.CSS_SELECTOR, "#results .report-link")
    results = browser.find_elements(By.CSS_SELECTOR, "#results .passage, #results .register-item")
    assert links and len(links) >= len(results), "every result has 'Show in report'"
    link = links[0]
    assert link.text.startswith("Show in report")
    target = urlsplit(link.get_attribute("href"))
    link.click()
    wait_for(browser, lambda d: urlsplit(d.current_url).path == target.path, "the report did not open")
    assert target.path.startswith("/documents/") and target.fragment.startswith("passage-")
    passage = browser.find_element(By.ID, target.fragment)
    assert browser.execute_script("return arguments[0].matches(':target')", passage)
    assert in_viewport(browser, passage), "the page opens at the passage"
    background = passage.value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), "the passage is highlighted"


# -- 2. phones ------------------------------------------------------------------------------------
def test_results_come_before_the_filters_on_a_phone(phone: WebDriver, server: str) -> None:  # noqa: F811
    phone.get(server + "/?q=father")
    wait_for(phone, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    assert horizontal_overflow(phone) == 0
    first_result = phone.find_element(By.CSS_SELECTOR, ".result-group")
    assert first_result.location["y"] < 900, "the first result is near the top, not below the facets"
    assert not phone.find_element(By.ID, "filters").is_displayed()
    toggle = phone.find_element(By.CSS_SELECTOR, ".filter-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    scope = phone.find_element(By.CSS_SELECTOR, "#filters input[name=scope][value=local]")
    assert scope.is_displayed()
    scope.click()
    wait_for(phone, lambda d: "scope=local" in d.current_url, "the filter did not apply")
    wait_for(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#filters input[value=local]")
             .is_selected(), "the filters were not swapped")
    assert phone.find_element(By.ID, "filters").is_displayed(), "the filters stay open while used"


def test_the_filter_toggle_works_without_javascript(browser_without_js: WebDriver,  # noqa: F811
                                                    server: str) -> None:  # noqa: F811
    driver = browser_without_js
    set_width(driver, PHONE)
    try:
        driver.get(server + "/?q=father")
        assert not driver.find_element(By.ID, "filters").is_displayed()
        driver.find_element(By.CSS_SELECTOR, ".filter-toggle").click()
        scope = driver.find_element(By.CSS_SELECTOR, "#filters input[name=scope][value=local]")
        assert scope.is_displayed()
        scope.click()
        driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        wait_for(driver, lambda d: "scope=local" in d.current_url, "the filters did not apply")
        assert driver.find_element(By.CSS_SELECTOR, ".result-group").location["y"] < 900
    finally:
        set_width(driver, DESKTOP)


# -- 5. signing in keeps the click that asked for it; 7. reorder buttons name their item --------------
def test_signing_in_from_add_adds_the_passage(browser: WebDriver,  # noqa: F811
                                              curator_server: str) -> None:  # noqa: F811
    driver = browser
    driver.get(curator_server + "/?q=father")
    assert not driver.find_elements(By.CSS_SELECTOR, ".add-button"), \
        "signed-out visitors are not offered Add once there are accounts"
    link = driver.find_element(By.CSS_SELECTOR, "#results .sign-in-to-add")
    passage_id = parse_qs(urlsplit(link.get_attribute("href")).query)["add"][0]
    link.click()
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/sign-in", "no sign-in page")
    assert "Sign in to add the passage" in driver.find_element(By.CSS_SELECTOR, ".sign-in-purpose").text
    hint = driver.find_element(By.CSS_SELECTOR, ".sign-in-form + .hint").text
    assert "Ask your administrator" in hint and "kb users" not in driver.page_source
    driver.find_element(By.ID, "username").send_keys("curator")
    driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path.startswith("/collections/"),
             "signing in did not go on to the collection")
    assert "Added a passage of" in driver.find_element(By.CLASS_NAME, "flash").text
    cited = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".citation a")]
    assert any(href.endswith(f"#passage-{passage_id}") for href in cited), "the passage was added"
    back = driver.find_element(By.LINK_TEXT, "Back to where you were").get_attribute("href")
    assert back.endswith(f"/?q=father#passage-{passage_id}")
    collection = driver.current_url.split("?")[0]
    sign_out(driver)
    driver.get(collection)
    assert driver.find_elements(By.CSS_SELECTOR, ".collection-quote")
    for summary in ("Rename", "Delete"):
        assert not [s for s in driver.find_elements(By.CSS_SELECTOR, "details.manage summary")
                    if s.text.startswith(summary)], f"{summary} is not offered when signed out"
    assert not driver.find_elements(By.CSS_SELECTOR, ".item-actions button")


def test_reorder_buttons_name_their_own_item(browser: WebDriver,  # noqa: F811
                                             curator_server: str) -> None:  # noqa: F811
    driver = browser
    sign_in_with(driver, curator_server, "curator")
    try:
        driver.get(curator_server + "/?q=neglect")
        wait_for(driver, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
        for button in driver.find_elements(By.CSS_SELECTOR, "#results .add-button")[:3]:
            button.click()
            wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".added-message"),
                     "the passage was not added")
        driver.find_element(By.CSS_SELECTOR, ".added-message a").click()
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".collection-item"),
                 "the collection did not open")
        items = driver.find_elements(By.CSS_SELECTOR, ".collection-item")
        assert len(items) >= 3
        for position, item in enumerate(items, start=1):
            title = item.find_element(By.CSS_SELECTOR, ".citation a").text
            names = [button.get_attribute("textContent").strip()
                     for button in item.find_elements(By.CSS_SELECTOR, ".item-actions button")]
            assert names and all(f": passage {position}, from “{title}”" in name for name in names), names
        assert [b.get_attribute("textContent").split(":")[0] for b in
                items[1].find_elements(By.CSS_SELECTOR, ".item-actions button")] == [
            "Move up", "Move down", "Remove"]
    finally:
        sign_out(driver)


PAGE_TYPES = [
    "/", "/?q=father", "/?q=father&scope=local&year_from=2025&year_to=2020", "/documents/1",
    "/documents?sort=title", "/themes", "/themes/babies", "/themes/babies/briefing", "/trends",
    "/trends/fathers-male-carers", "/trends?year_from=2025&year_to=2020",
    "/recommendations?q=father", "/collections", "/sign-in", "/documents/1/passages/5/similar",
    "/no-such-page",
]


#: Pages of the copy with accounts and a collection (seen signed out).
ACCOUNT_PAGES = ["/collections/1", "/collections/1/print", "/sign-in?add=5&next=/"]


def test_trend_filters_are_not_cut_short_by_scroll_boxes(browser: WebDriver,  # noqa: F811
                                                         server: str) -> None:  # noqa: F811
    browser.get(server + "/trends")
    lists = browser.find_elements(By.CSS_SELECTOR, ".trend-filters .facet-values")
    assert len(lists) >= 3
    assert all(browser.execute_script("return arguments[0].scrollHeight <= arguments[0].clientHeight",
                                      values) for values in lists), "every choice is in view"


def test_no_page_scrolls_sideways_at_320_pixels(browser: WebDriver, server: str,  # noqa: F811
                                                curator_server: str) -> None:  # noqa: F811
    set_width(browser, SMALL_PHONE)
    try:
        wide = {}
        for path in [server + path for path in PAGE_TYPES] + [curator_server + path
                                                              for path in ACCOUNT_PAGES]:
            browser.get(path)
            if horizontal_overflow(browser) > 0:
                wide[path] = horizontal_overflow(browser)
        assert wide == {}
    finally:
        set_width(browser, DESKTOP)


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_every_page_type_passes_axe_with_colour_contrast_reviewed(
        browser: WebDriver, server: str, curator_server: str, axe_script: str,  # noqa: F811
        width: int) -> None:
    set_width(browser, width)
    try:
        problems = {}
        for path in [server + path for path in PAGE_TYPES] + [curator_server + path
                                                              for path in ACCOUNT_PAGES]:
            browser.get(path)
            found = accessibility_problems(browser, axe_script)
            if found:
                problems[path] = found
        assert problems == {}
    finally:
        set_width(browser, DESKTOP)
