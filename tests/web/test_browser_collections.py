"""Collections in real headless Chromium: adding passages in one click and exporting training
packs, with JavaScript (htmx swaps) and without (plain forms); axe-core on the pages involved.

The app runs over a private copy of the indexed corpus, since these tests write collections.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from werkzeug.serving import make_server

from tests.web.conftest import close_app, make_app
from tests.web.test_browser import (
    CHROMEDRIVER, CHROMIUM, WAIT_SECONDS, _chromium, axe_script, axe_violations,  # noqa: F401
    mark_page, page_was_not_reloaded, wait_for,
)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)")


@pytest.fixture(scope="module")
def server(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a writable copy of the corpus, served over HTTP on a free local port."""
    data = tmp_path_factory.mktemp("browser-collections") / "data"
    shutil.copytree(corpus_data, data)
    app = make_app(data)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()
    close_app(app)


def downloading(javascript: bool) -> tuple[WebDriver, Path]:
    """Chromium that saves downloads into a folder of its own."""
    driver = _chromium(javascript=javascript)
    folder = Path(tempfile.mkdtemp(prefix="kb-downloads-"))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                        "downloadPath": str(folder)})
    return driver, folder


@pytest.fixture(scope="module")
def with_js() -> Iterator[tuple[WebDriver, Path]]:
    driver, folder = downloading(javascript=True)
    yield driver, folder
    driver.quit()


@pytest.fixture(scope="module")
def without_js() -> Iterator[tuple[WebDriver, Path]]:
    driver, folder = downloading(javascript=False)
    yield driver, folder
    driver.quit()


def downloaded(folder: Path, suffix: str) -> Path:
    """The file with ``suffix`` once the browser has finished saving it."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [path for path in folder.glob(f"*{suffix}")]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}")


def quotations(driver: WebDriver) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".collection-quote")]


def test_add_reorder_annotate_and_export_with_javascript(
        with_js: tuple[WebDriver, Path], server: str, axe_script: str) -> None:  # noqa: F811
    driver, folder = with_js
    driver.get(server + "/?q=father")
    wait_for(driver, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    mark_page(driver)
    first = driver.find_element(By.CSS_SELECTOR, ".result-group .add-form button")
    assert first.text.startswith("Add to a new collection")
    first.click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".added-message"),
             "no confirmation replaced the button")
    message = driver.find_element(By.CSS_SELECTOR, ".added-message")
    assert message.text == "Added to Untitled collection."
    assert driver.switch_to.active_element == message, "focus moves to the confirmation"
    assert page_was_not_reloaded(driver)
    second = driver.find_element(By.CSS_SELECTOR, ".result-group .add-form button")
    assert second.text.startswith("Add to “Untitled collection”"), "one click adds to the same one"
    second.click()
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".added-message")) == 2,
             "the second passage was not added")
    message.find_element(By.TAG_NAME, "a").click()
    wait_for(driver, lambda d: "/collections/" in d.current_url, "the collection did not open")
    wait_for(driver, lambda d: d.execute_script("return !!window.htmx"), "htmx did not load")
    before = quotations(driver)
    assert len(before) == 2
    mark_page(driver)
    driver.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Move up')]").click()
    wait_for(driver, lambda d: quotations(d) == before[::-1], "the passages were not reordered")
    wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("class")
             == "collection-message", "focus did not move to the message")
    assert page_was_not_reloaded(driver)
    note = driver.find_element(By.CSS_SELECTOR, ".note-form textarea")
    note.send_keys("Ask the group who else lived there.")
    driver.find_element(By.CSS_SELECTOR, ".note-form button").click()
    wait_for(driver, lambda d: "Note saved" in d.find_element(By.ID, "collection-items").text,
             "the note was not saved")
    assert axe_violations(driver, axe_script) == []
    driver.find_element(By.LINK_TEXT, "Word (DOCX)").click()
    pack = docx.Document(io.BytesIO(downloaded(folder, ".docx").read_bytes()))
    quoted = [p.text for p in pack.paragraphs if p.style.name == "Quote"]
    assert sorted(quoted) == sorted(before)
    assert any(p.text == "Trainer's note: Ask the group who else lived there."
               for p in pack.paragraphs)
    driver.find_element(By.LINK_TEXT, "Printable page").click()
    wait_for(driver, lambda d: d.current_url.endswith("/print"), "the printable page did not open")
    cited = driver.find_elements(By.CSS_SELECTOR, "figure.quotation cite")
    assert len(cited) == 2 and all(c.text.count(", ") >= 3 for c in cited)
    assert axe_violations(driver, axe_script) == []


def test_add_and_export_without_javascript(without_js: tuple[WebDriver, Path], server: str) -> None:
    driver, folder = without_js
    driver.get(server + "/collections")
    assert driver.execute_script("return window.htmx === undefined"), "JavaScript is off"
    driver.find_element(By.ID, "collection-name").send_keys("Teaching pack: fathers")
    driver.find_element(By.XPATH, "//button[normalize-space()='Start the collection']").click()
    wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Teaching pack: fathers",
             "the collection was not started")
    driver.get(server + "/?q=stepfather")
    search_url = driver.current_url
    button = driver.find_element(By.CSS_SELECTOR, ".result-group .add-form button")
    assert button.text.startswith("Add to “Teaching pack: fathers”")
    button.click()
    wait_for(driver, lambda d: "/collections/" in d.current_url, "the collection did not open")
    assert "Added a passage of" in driver.find_element(By.CSS_SELECTOR, ".flash").text
    assert len(quotations(driver)) == 1
    driver.find_element(By.LINK_TEXT, "Back to where you were").click()
    wait_for(driver, lambda d: d.current_url.split("#")[0] == search_url, "not back at the search")
    driver.find_element(By.LINK_TEXT, "Collections").click()
    driver.find_element(By.LINK_TEXT, "Teaching pack: fathers").click()
    driver.find_element(By.LINK_TEXT, "Markdown").click()
    pack = downloaded(folder, ".md").read_text()
    assert pack.startswith("# Teaching pack: fathers\n") and "## Sources" in pack
    driver.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Remove')]").click()
    wait_for(driver, lambda d: not quotations(d), "the passage was not removed")
    assert "removed" in driver.find_element(By.CSS_SELECTOR, ".flash").text


def test_trend_tables_have_no_accessibility_violations(
        with_js: tuple[WebDriver, Path], server: str, axe_script: str) -> None:  # noqa: F811
    driver, _ = with_js
    driver.get(server + "/trends")
    for summary in driver.find_elements(By.CSS_SELECTOR, "details.data-table summary"):
        summary.click()
    assert driver.find_element(By.CSS_SELECTOR, "table.trend-table").is_displayed()
    assert axe_violations(driver, axe_script) == []
