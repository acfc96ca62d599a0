"""The app in real headless Chromium, with and without JavaScript, plus axe-core accessibility checks.

axe-core comes from npm: ``npm install --prefix tests/web/.axe axe-core@4`` (run here when
missing; the tests are skipped only when npm is not available).
"""
from __future__ import annotations

import shutil
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

from tests.web.conftest import PASSWORD, close_app, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_DIR = Path(__file__).parent / ".axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WAIT_SECONDS = 15  # an upper bound for slow machines, never a measurement

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)")


def _serve(app: Flask) -> Iterator[str]:
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free local port."""
    yield from _serve(app)


@pytest.fixture(scope="module")
def curator_server(access_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private copy of the corpus with accounts (see tests/web/conftest.py USERS), served,
    with the default settings: Secure session cookie included."""
    copy = tmp_path_factory.mktemp("browser-curation") / "data"
    shutil.copytree(access_data, copy)
    application = make_app(copy)
    yield from _serve(application)
    close_app(application)


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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
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


def test_open_a_document_at_a_page_without_javascript(browser_without_js: WebDriver,
                                                      server: str) -> None:
    driver = browser_without_js
    driver.get(server + "/?q=father")
    link = driver.find_element(By.CSS_SELECTOR, ".result-group .page-link")
    target = link.get_attribute("href")
    assert "/file#page=" in target
    link.click()
    wait_for(driver, lambda d: d.current_url == target, "the original did not open at its page")
    assert driver.execute_script("return document.contentType") == "application/pdf"


def test_filters_without_javascript_leave_focus_alone(browser_without_js: WebDriver,
                                                      server: str) -> None:
    driver = browser_without_js
    driver.get(server + "/")
    assert driver.switch_to.active_element.get_attribute("id") == "q", "the home page focuses it"
    driver.get(server + "/?q=father")
    checkbox = driver.find_element(By.CSS_SELECTOR, "#filters input[name=scope]")
    driver.find_element(By.CSS_SELECTOR, f"label[for='{checkbox.get_attribute('id')}']").click()
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    wait_for(driver, lambda d: "scope" in params(d), "the filter was not applied")
    assert driver.switch_to.active_element.get_attribute("id") != "q"


def first_evidence_chip(driver: WebDriver, server: str):
    """The first theme chip of the first result's document, and its evidence tip."""
    driver.get(server + "/?q=father")
    driver.find_element(By.CSS_SELECTOR, ".result-group h2 a").click()
    wait_for(driver, lambda d: "/documents/" in d.current_url, "the document did not open")
    summary = driver.find_element(By.CSS_SELECTOR, "details.evidence summary")
    tip = driver.find_element(By.ID, summary.get_attribute("aria-describedby"))
    return summary, tip


@pytest.mark.parametrize("javascript", [True, False])
def test_theme_evidence_shows_on_keyboard_focus(browser: WebDriver, browser_without_js: WebDriver,
                                                server: str, javascript: bool) -> None:
    driver = browser if javascript else browser_without_js
    summary, tip = first_evidence_chip(driver, server)
    assert not tip.is_displayed()
    assert tip.get_attribute("textContent").startswith(("Evidence: ", "Added by a curator"))
    # Tab from the element just before the chip, as a keyboard user would.
    driver.execute_script(
        "const all = [...document.querySelectorAll('a[href], button, summary, input, select')];"
        "all[all.indexOf(arguments[0]) - 1].focus();", summary)
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert driver.switch_to.active_element == summary
    wait_for(driver, lambda d: tip.is_displayed(), "the evidence did not show on focus")
    assert summary.get_attribute("title").rstrip(".") in tip.text.rstrip(".")
    summary.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: not tip.is_displayed(), "the tip stayed over the opened evidence")
    assert summary.find_element(By.XPATH, "..").get_attribute("open") is not None
    if javascript:
        summary.send_keys(Keys.ENTER)
        wait_for(driver, lambda d: tip.is_displayed(), "the tip did not come back when closed")
        summary.send_keys(Keys.ESCAPE)
        wait_for(driver, lambda d: not tip.is_displayed(), "Escape did not hide the tip")


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
    "/trends", "/trends?kind=cspr&scope=local&year_from=2020", "/trends/fathers-male-carers",
    "/themes/babies/briefing", "/recommendations", "/recommendations?q=father&scope=local",
    "/collections",
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


def test_similar_page_404_and_a_second_page_have_no_accessibility_violations(
        browser: WebDriver, server: str, axe_script: str) -> None:
    browser.get(server + "/documents/1")
    similar = browser.find_element(By.CSS_SELECTOR, ".similar-link a").get_attribute("href")
    assert urlsplit(similar).path.endswith("/similar")
    second = server + "/?q=father&page=2"
    for url in (similar, server + "/no-such-page", server + "/documents/999999", second,
                server + "/?q=father&page=99"):
        browser.get(url)
        assert browser.find_element(By.TAG_NAME, "h1").text, url
        assert axe_violations(browser, axe_script) == [], url
    browser.get(second)
    assert "page 2 of" in count_text(browser)


# -- signing in, curating, and the Content-Security-Policy -----------------------------------
def sign_in_with(driver: WebDriver, server: str, username: str) -> None:
    """Sign in through the form, as a person would."""
    driver.get(server + "/sign-in?next=/themes")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/themes",
             "signing in did not go on")
    accounts = wait_for(driver, lambda d: d.find_elements(By.CLASS_NAME, "account"),
                        "the page after signing in did not load")
    assert f"Signed in as {username}" in accounts[0].text


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, ".sign-out-form button").click()
    wait_for(driver, lambda d: d.find_elements(By.LINK_TEXT, "Sign in"), "signing out failed")


def open_first_result(driver: WebDriver) -> None:
    """Open the document of the first search result."""
    link = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".result-group h2 a"),
                    "no search results")[0]
    target = link.get_attribute("href")
    link.click()
    wait_for(driver, lambda d: d.current_url == target, "the document did not open")


def policy_violations(driver: WebDriver) -> list[str]:
    """Content-Security-Policy refusals in the browser's console since the last call."""
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def test_htmx_works_under_the_content_security_policy(browser: WebDriver, server: str) -> None:
    policy_violations(browser)
    browser.get(server + "/")
    wait_for(browser, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    browser.find_element(By.ID, "q").send_keys("father")
    wait_for(browser, lambda d: "passages found" in count_text(d), "no results were swapped in")
    browser.find_element(By.CSS_SELECTOR, ".result-group h2 a").click()
    wait_for(browser, lambda d: "/documents/" in d.current_url, "the document did not open")
    browser.find_element(By.CSS_SELECTOR, ".similar-link a").click()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".similar").text.strip(),
             "similar passages did not load")
    assert policy_violations(browser) == []


def test_no_page_breaks_the_content_security_policy(browser: WebDriver, server: str,
                                                    app: Flask) -> None:
    """Every page without parameters (whoever added it) and a few with, loaded in Chromium."""
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
                   and not rule.rule.startswith("/api/") and "." not in rule.rule)
    assert {"/", "/themes", "/sign-in"} <= set(pages)
    policy_violations(browser)
    for page in pages + ["/?q=neglect&scope=local", "/documents/1", "/themes/neglect"]:
        browser.get(server + page)
        wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete",
                 f"{page} did not load")
        assert policy_violations(browser) == [], page


def test_a_curator_signs_in_and_curates_with_htmx(browser: WebDriver, curator_server: str,
                                                  axe_script: str) -> None:
    policy_violations(browser)
    sign_in_with(browser, curator_server, "curator")
    browser.get(curator_server + "/?q=father")
    open_first_result(browser)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "details.curate"), "no curation")
    wait_for(browser, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    mark_page(browser)
    curate = next(details for details in browser.find_elements(By.CSS_SELECTOR, "details.curate")
                  if details.find_elements(By.CSS_SELECTOR, ".curate-list"))
    region = curate.find_element(By.XPATH, "..").get_attribute("id")
    curate.find_element(By.TAG_NAME, "summary").click()
    theme = curate.find_element(By.CSS_SELECTOR, ".curate-list input[name=theme]").get_attribute("value")
    curate.find_element(By.CSS_SELECTOR, ".curate-list button[value=remove]").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"#{region} .curation-message"),
             "the decision was not swapped in")
    assert page_was_not_reloaded(browser)
    assert "removed" in browser.switch_to.active_element.text, "focus moves to the message"
    chips = browser.find_elements(By.CSS_SELECTOR, f"#{region} .evidence-chips li")
    assert theme not in [chip.get_attribute("textContent") for chip in chips]
    assert axe_violations(browser, axe_script) == [], "the curator's view of a document"
    assert policy_violations(browser) == []
    sign_out(browser)


def test_a_curator_curates_without_javascript(browser_without_js: WebDriver,
                                              curator_server: str) -> None:
    driver = browser_without_js
    sign_in_with(driver, curator_server, "curator")
    driver.get(curator_server + "/?q=neglect")
    open_first_result(driver)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "details.curate"), "no curation")
    curate = driver.find_element(By.CSS_SELECTOR, "details.curate")
    curate.find_element(By.TAG_NAME, "summary").click()
    add = curate.find_element(By.CSS_SELECTOR, "form.curate-add")
    label = add.find_element(By.CSS_SELECTOR, "option").text
    add.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(driver, lambda d: d.find_elements(By.CLASS_NAME, "flash"), "no message after adding")
    assert driver.find_element(By.CLASS_NAME, "flash").text == f"“{label}” added."
    assert "#passage-" in driver.current_url
    sign_out(driver)


def test_sign_in_page_has_no_accessibility_violations(browser: WebDriver, curator_server: str,
                                                      axe_script: str) -> None:
    browser.get(curator_server + "/sign-in")
    assert browser.switch_to.active_element.get_attribute("id") == "username"
    assert axe_violations(browser, axe_script) == []
    browser.find_element(By.ID, "username").send_keys("curator")
    browser.find_element(By.ID, "password").send_keys("not the password", Keys.ENTER)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), "no error shown")
    assert axe_violations(browser, axe_script) == [], "with the error shown"


def test_admin_view_of_a_document_has_no_accessibility_violations(
        browser: WebDriver, curator_server: str, axe_script: str) -> None:
    sign_in_with(browser, curator_server, "admin")
    browser.get(curator_server + "/?q=zanzibarquokka")
    open_first_result(browser)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "form.restriction-form"),
             "no restriction form for the admin")
    assert "RESTRICTED" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text.upper()
    browser.find_element(By.CSS_SELECTOR, "details.curate summary").click()
    assert axe_violations(browser, axe_script) == []
    sign_out(browser)
