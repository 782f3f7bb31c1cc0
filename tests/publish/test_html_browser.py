"""The built-in HTML report of the demo as a reader's browser shows it (headless Chromium, via
:mod:`tests.publish.browser`): no page-level horizontal scroll, tables that fit or scroll inside their
own box, text left and numbers right, a contents list at hand, a print stylesheet, no console error and
no request to another host."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser import console_errors, foreign_requests, open_browser, requested_urls, resize

WIDTHS = (1280, 800)


def _report(demo_run) -> Path:
    return Path(demo_run.run_dir) / "report.html"


@pytest.fixture(scope="module")
def page(demo_run):
    """The demo report open in one headless Chromium for the module's tests."""
    with open_browser(1280) as driver:
        driver.get(_report(demo_run).as_uri())
        driver.execute_script("return document.readyState")
        yield driver


def _tables(driver) -> list[dict]:
    return driver.execute_script(
        """return [...document.querySelectorAll('table.pss-table')].map(t => {
             const box = t.parentElement;
             return {caption: t.caption ? t.caption.textContent : '', width: t.getBoundingClientRect().width,
                     box: box.clientWidth, overflow: getComputedStyle(box).overflowX,
                     boxRight: box.getBoundingClientRect().right};
           });"""
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_level_horizontal_scroll(page, width):
    resize(page, width)
    time.sleep(0.3)
    scroll, client = page.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client == width
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_table_fits_or_scrolls_inside_its_own_box(page, width):
    resize(page, width)
    time.sleep(0.3)
    tables = _tables(page)
    assert len(tables) > 40
    for table in tables:
        assert table["boxRight"] <= width, table
        if table["width"] > table["box"] + 1:
            assert table["overflow"] in ("auto", "scroll"), table
    if width == 1280:  # the tables readers reported as scrolling now fit a wide screen
        for caption in ("Board summary", "Overview dashboard (table)", "SHA-256 checksums", "Model and chart"):
            (table,) = [t for t in tables if caption in t["caption"]]
            assert table["width"] <= table["box"] + 1, table


def _alignments(driver, caption: str) -> dict[str, str]:
    return driver.execute_script(
        """const t = [...document.querySelectorAll('table.pss-table')]
                       .find(t => t.caption && t.caption.textContent.includes(arguments[0]));
           const heads = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
           const cells = [...t.tBodies[0].rows[0].cells];
           return Object.fromEntries(heads.map((h, i) => [h, getComputedStyle(cells[i]).textAlign + '/' +
                                                             getComputedStyle(t.tHead.rows[0].cells[i]).textAlign]));""",
        caption,
    )


def test_text_columns_left_and_numbers_right(page):
    board = _alignments(page, "Board summary")
    for text in ("measure", "variation", "assurance", "verdict"):
        assert board[text] == "left/left", (text, board)
    for number in ("latest", "target"):
        assert board[number] == "right/right", (number, board)
    checksums = _alignments(page, "SHA-256 checksums")
    assert checksums["role"] == "left/left" and checksums["sha256"] == "left/left"
    assert checksums["bytes"] == "right/right"


def test_text_columns_are_not_squeezed_to_a_word_a_line(page):
    resize(page, 1280)
    time.sleep(0.3)
    lines = page.execute_script(
        """const t = [...document.querySelectorAll('table.pss-table')]
                       .find(t => t.caption.textContent.includes('Board summary'));
           return [...t.tBodies[0].rows].map(r => {
             const range = document.createRange(); range.selectNodeContents(r.cells[0]);
             const tops = new Set([...range.getClientRects()].map(b => Math.round(b.top)));
             return [r.cells[0].textContent.trim(), tops.size]; });"""
    )
    for name, count in lines:
        words = len(name.split())
        assert count < max(words, 2), f"{name!r} takes {count} lines for {words} words"


def test_contents_stay_at_hand_and_reach_their_sections(page):
    resize(page, 1280)
    links = page.execute_script(
        "return [...document.querySelectorAll('nav.pss-toc a')].map(a => a.getAttribute('href'))"
    )
    assert "#Board-summary" in links and len(links) >= 10
    for href in links:
        assert page.execute_script("return !!document.getElementById(arguments[0])", href[1:]), href
    page.execute_script("window.scrollTo(0, document.body.scrollHeight * 0.7)")
    time.sleep(0.2)
    top, bottom = page.execute_script(
        "const r = document.querySelector('nav.pss-toc').getBoundingClientRect(); return [r.top, r.bottom]"
    )
    assert 0 <= top < 50 and bottom > 200, "the contents sidebar scrolled away"
    link = page.find_element("css selector", f'nav.pss-toc a[href="{links[-1]}"]')
    link.click()
    time.sleep(0.3)
    heading_top = page.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().top", links[-1][1:]
    )
    assert -2 <= heading_top < 60
    resize(page, 800)
    time.sleep(0.2)
    shown = page.execute_script(
        "const a = document.querySelector('a.pss-to-contents'); const r = a.getBoundingClientRect();"
        "return [getComputedStyle(a).display, getComputedStyle(a).position, r.bottom <= innerHeight]"
    )
    assert shown[0] != "none" and shown[1:] == ["fixed", True], shown
    resize(page, 1280)


def test_print_stylesheet_hides_navigation_and_unclips_tables(page):
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        nav, link, overflow = page.execute_script(
            "return [getComputedStyle(document.querySelector('nav.pss-toc')).display,"
            " getComputedStyle(document.querySelector('a.pss-to-contents')).display,"
            " getComputedStyle(document.querySelector('table.pss-table').parentElement).overflowX]"
        )
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert (nav, link, overflow) == ("none", "none", "visible")


def test_no_console_errors_and_no_request_to_another_host(demo_run):
    with open_browser(1280) as driver:
        driver.get(_report(demo_run).as_uri())
        time.sleep(1.0)
        urls = requested_urls(driver)
        errors = console_errors(driver)
    assert any(url.startswith("file://") for url in urls), urls[:5]
    assert foreign_requests(urls) == []
    assert errors == []
