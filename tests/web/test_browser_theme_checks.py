"""Curators' checks of a theme's tags in real headless Chromium: a curator without JavaScript
follows the empty state's link to the review queue, says yes to a tag, and the theme page,
the index and the briefing count it; the pages pass axe-core and do not scroll sideways on a
320-pixel phone."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web.test_browser import (  # noqa: F401 (fixtures)
    CHROMEDRIVER, CHROMIUM, axe_script, browser, browser_without_js, curator_server, sign_in_with,
    sign_out, wait_for,
)
from tests.web.test_browser_paths import (
    DESKTOP, SMALL_PHONE, accessibility_problems, horizontal_overflow, set_width,
)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)")


def summary(driver: WebDriver) -> str:
    return " ".join(driver.find_element(By.CSS_SELECTOR, ".curator-checks-summary").text.split())


def test_a_curators_yes_is_counted_where_the_theme_is_read(
        browser_without_js: WebDriver, browser: WebDriver,  # noqa: F811
        curator_server: str, axe_script: str) -> None:  # noqa: F811
    driver = browser_without_js
    sign_in_with(driver, curator_server, "curator")
    try:
        driver.get(curator_server + "/curation/queue")
        item = next(element for element in driver.find_elements(By.CSS_SELECTOR, ".queue-item")
                    if element.find_elements(By.CSS_SELECTOR, "button[value=confirm]"))
        theme = item.find_element(By.CSS_SELECTOR, "input[name=theme]").get_attribute("value")
        item_id = item.get_attribute("id")
        driver.get(f"{curator_server}/themes/{theme}")
        assert summary(driver) == "No curator has checked this theme's tags yet."
        driver.find_element(By.LINK_TEXT,
                            "Check the tagger's least certain tags in the review queue").click()
        wait_for(driver, lambda d: d.current_url.endswith("/curation/queue"), "no queue")
        driver.find_element(By.CSS_SELECTOR, f"#{item_id} "
                                             "button[value=confirm]").click()
        wait_for(driver, lambda d: "/curation/queue" in d.current_url, "the queue did not return")
        driver.get(f"{curator_server}/themes/{theme}")
        assert summary(driver).startswith(
            "Curators have checked 1 tag of this theme: 1 confirmed, 0 removed (100% right); "
            "they have not yet added it to a passage the tagger missed. "
            "So few checks say little yet.")
        assert driver.find_element(By.LINK_TEXT, "Check more tags in the review queue")
    finally:
        sign_out(driver)
    # What anyone reads, with JavaScript, on a desktop and on a small phone.
    pages = [f"/themes/{theme}", "/themes", f"/themes/{theme}/briefing"]
    browser.get(f"{curator_server}/themes/{theme}")
    assert summary(browser).startswith("Curators have checked 1 tag of this theme")
    assert not browser.find_elements(By.CSS_SELECTOR, ".curator-checks a[href$='/curation/queue']")
    browser.get(f"{curator_server}/themes")
    cell = browser.find_element(By.XPATH, f"//tr[th/a[@href='/themes/{theme}']]"
                                          "/td[contains(@class, 'curator-checks-cell')]")
    assert cell.text.endswith("100% of 1 right")
    for width in (DESKTOP, SMALL_PHONE):
        set_width(browser, width)
        try:
            for page in pages:
                browser.get(curator_server + page)
                assert accessibility_problems(browser, axe_script) == [], (width, page)
                assert horizontal_overflow(browser) == 0, (width, page)
        finally:
            set_width(browser, DESKTOP)
