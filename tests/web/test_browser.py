"""The app in real headless Chromium, with and without JavaScript, plus axe-core accessibility checks.

axe-core comes from npm: ``npm install --prefix tests/web/.axe axe-core@4`` (run here when
missing; the tests are skipped only when npm is not available).
"""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_DIR = Path(__file__).parent / ".axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WAIT_SECONDS = 15  # an upper bound for slow machines, never a measurement

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)")


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free local port."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


def _chromium(javascript: bool) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='kb-chromium-')}")
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    driver = _chromium(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser_without_js() -> Iterator[WebDriver]:
    driver = _chromium(javascript=False)
    yield driver
    driver.quit()


def wait_for(driver: WebDriver, condition, message: str):
    """Wait until ``condition(driver)`` holds; elements replaced by a swap meanwhile are retried."""
    return WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=[StaleElementReferenceException]
                         ).until(condition, message)


def params(driver: WebDriver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def count_text(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "result-count").text


def mark_page(driver: WebDriver) -> None:
    """Leave a marker in the page's JavaScript state: it survives htmx swaps, not reloads."""
    driver.execute_script("window.kbTestMarker = 'still here';")


def page_was_not_reloaded(driver: WebDriver) -> bool:
    return driver.execute_script("return window.kbTestMarker") == "still here"


# -- with JavaScript: htmx -------------------------------------------------------
def test_typing_updates_results_without_reloading(browser: WebDriver, server: str) -> None:
    browser.get(server + "/")
    wait_for(browser, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    mark_page(browser)
    assert browser.switch_to.active_element.get_attribute("id") == "q"  # autofocus
    browser.find_element(By.ID, "q").send_keys("father")
    wait_for(browser, lambda d: "passages found" in count_text(d), "no result count appeared")
    wait_for(browser, lambda d: params(d).get("q") == ["father"], "the URL did not follow")
    assert browser.find_elements(By.CSS_SELECTOR, ".result-group mark")
    assert page_was_not_reloaded(browser)
    assert browser.switch_to.active_element.get_attribute("id") == "q"


def test_a_facet_click_narrows_results_and_back_undoes_it(browser: WebDriver, server: str) -> None:
    browser.get(server + "/?q=father")
    wait_for(browser, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    before = count_text(browser)
    mark_page(browser)
    box = browser.find_element(By.CSS_SELECTOR, "#filters input[name=theme]")
    box_id = box.get_attribute("id")
    browser.find_element(By.CSS_SELECTOR, f"label[for='{box_id}']").click()
    wait_for(browser, lambda d: "theme" in params(d), "the URL did not gain the theme")
    wait_for(browser, lambda d: count_text(d) != before, "the count did not change")
    assert page_was_not_reloaded(browser)
    assert browser.find_element(By.ID, box_id).is_selected()
    assert browser.switch_to.active_element.get_attribute("id") == box_id, "focus kept"
    assert browser.find_elements(By.CSS_SELECTOR, "a.chip-remove")
    browser.back()
    wait_for(browser, lambda d: "theme" not in params(d), "back did not restore the URL")
    wait_for(browser, lambda d: count_text(d) == before, "back did not restore the results")
    wait_for(browser, lambda d: not d.find_element(By.ID, box_id).is_selected(),
             "back did not clear the checkbox")


def test_slash_jumps_to_the_search_box(browser: WebDriver, server: str) -> None:
    browser.get(server + "/themes")
    wait_for(browser, lambda d: d.find_element(By.ID, "shortcut-setting").is_displayed(),
             "app.js did not run")
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "q"


def test_open_a_document_at_a_page(browser: WebDriver, server: str) -> None:
    browser.get(server + "/?q=father")
    link = browser.find_element(By.CSS_SELECTOR, ".result-group .page-link")
    target = link.get_attribute("href")
    link.click()
    wait_for(browser, lambda d: d.current_url == target, "the original did not open")
    assert "/file#page=" in browser.current_url


def test_similar_passages_load_into_the_document_page(browser: WebDriver, server: str) -> None:
    browser.get(server + "/?q=father")
    browser.find_element(By.CSS_SELECTOR, ".result-group h2 a").click()
    wait_for(browser, lambda d: "/documents/" in d.current_url, "the document did not open")
    wait_for(browser, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    page_url = browser.current_url
    link = browser.find_element(By.CSS_SELECTOR, ".similar-link a")
    region_id = link.get_attribute("hx-target").lstrip("#")
    link.click()
    wait_for(browser, lambda d: d.find_element(By.ID, region_id).text.strip(),
             "similar passages did not load")
    assert browser.current_url == page_url


# -- without JavaScript: plain forms and links -------------------------------------
def test_the_same_flow_works_without_javascript(browser_without_js: WebDriver, server: str) -> None:
    driver = browser_without_js
    driver.get(server + "/")
    assert driver.execute_script("return window.htmx === undefined"), "JavaScript is off"
    box = driver.find_element(By.ID, "q")
    box.send_keys("father", Keys.ENTER)
    wait_for(driver, lambda d: params(d).get("q") == ["father"], "the form did not submit")
    before = count_text(driver)
    assert "passages found" in before
    checkbox = driver.find_element(By.CSS_SELECTOR, "#filters input[name=theme]")
    driver.find_element(By.CSS_SELECTOR, f"label[for='{checkbox.get_attribute('id')}']").click()
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    wait_for(driver, lambda d: "theme" in params(d), "the filters were not applied")
    assert count_text(driver) != before
    driver.back()
    wait_for(driver, lambda d: "theme" not in params(d), "back did not work")
    assert count_text(driver) == before
    title = driver.find_element(By.CSS_SELECTOR, ".result-group h2 a")
    title_text = title.text
    title.click()
    wait_for(driver, lambda d: "/documents/" in d.current_url, "the document did not open")
    assert driver.find_element(By.TAG_NAME, "h1").text == title_text
    similar = driver.find_element(By.CSS_SELECTOR, ".similar-link a")
    similar.click()
    wait_for(driver, lambda d: d.current_url.endswith("/similar"), "no similar passages page")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Passages like this one in other reviews"


# -- accessibility -----------------------------------------------------------------
@pytest.fixture(scope="module")
def axe_script() -> str:
    assert AXE_SCRIPT.exists(), (
        "axe-core is missing: `make test` installs it (npm install --prefix tests/web/.axe axe-core@4.14.1)")
    return AXE_SCRIPT.read_text()


def axe_violations(driver: WebDriver, script: str) -> list[str]:
    driver.execute_script(script)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' +"
        " v.nodes.map(n => n.target.join(' ')).join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));")
    return result


@pytest.mark.parametrize("path", [
    "/", "/?q=father", "/?q=father&scope=local&sort=newest", "/?q=xylophone+quasar",
    "/?year_from=last+year", "/themes",
])
def test_pages_have_no_accessibility_violations(browser: WebDriver, server: str, axe_script: str,
                                                path: str) -> None:
    browser.get(server + path)
    assert axe_violations(browser, axe_script) == []


def test_document_and_theme_pages_have_no_accessibility_violations(
        browser: WebDriver, server: str, axe_script: str) -> None:
    browser.get(server + "/?q=father")
    document_url = browser.find_element(By.CSS_SELECTOR, ".result-group h2 a").get_attribute("href")
    theme_url = server + "/themes/" + browser.find_element(
        By.CSS_SELECTOR, "#filters input[name=theme]").get_attribute("value")
    for url in (document_url, theme_url):
        browser.get(url)
        assert axe_violations(browser, axe_script) == [], url
    browser.get(document_url)
    browser.find_element(By.CSS_SELECTOR, "details.evidence summary").click()
    browser.find_element(By.CSS_SELECTOR, ".similar-link a").click()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".similar").text.strip(),
             "similar passages did not load")
    assert axe_violations(browser, axe_script) == []

