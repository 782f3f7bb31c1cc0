"""The demo's interactive HTML report in a real headless Chromium (:mod:`browser`): every measure's ITS
and SPC chart drawn by plotly.js (embedded once), hover that says which rule fired and what the icons
mean, the board summary sorting, filtering and linking to each measure, and the static pictures kept
for readers without scripts."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from browser import console_errors, foreign_requests, open_browser, requested_urls
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from pss_analysis.reporting.figures.interactive import ASSURANCE_WORDS, RULE_WORDS, VARIATION_WORDS


def _report(demo_run) -> Path:
    return Path(demo_run.run_dir) / "report.html"


@pytest.fixture(scope="module")
def page(demo_run):
    with open_browser(1280) as driver:
        driver.get(_report(demo_run).as_uri())
        yield driver


def _show(driver, figure_id: str):
    """Scroll the figure into view and wait until its chart is drawn; returns the chart's div."""
    figure = driver.find_element(By.ID, figure_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", figure)
    div = figure.find_element(By.CSS_SELECTOR, "div.pss-plotly")
    for _ in range(300):  # plotly.js runs when the first chart comes near: seconds on a busy machine
        if "pss-drawn" in (div.get_attribute("class") or ""):
            return div
        time.sleep(0.1)
    raise AssertionError(f"{figure_id} was not drawn")


def _hover_text(driver, div, element) -> str:
    ActionChains(driver).move_to_element(element).perform()
    for _ in range(30):
        text = driver.execute_script("return arguments[0].querySelector('.hoverlayer').textContent", div)
        if text:
            return text
        time.sleep(0.1)
    return ""


def test_one_interactive_chart_per_its_and_spc_chart_and_plotly_once(page, demo_run):
    measures = pd.read_csv(Path(demo_run.run_dir) / "tables" / "evidence.csv")["measure_id"]
    html = _report(demo_run).read_text(encoding="utf-8")
    assert html.count('id="pss-plotly-js"') == 1  # plotly.js embedded once per report
    figures = page.execute_script(
        "return [...document.querySelectorAll('script.pss-plotly-spec')].map(s => s.parentNode.id)"
    )
    assert len(figures) == 2 * len(measures)
    labels = page.execute_script(
        "return [...document.querySelectorAll('div.pss-plotly')].map(d => [d.tabIndex, d.getAttribute('aria-label')])"
    )
    assert all(tab == 0 and label for tab, label in labels)  # keyboard users reach each chart, and hear its alt
    assert sorted(figures) == sorted([f"figure-its_{m}" for m in measures] + [f"figure-spc_{m}" for m in measures])
    for figure_id in figures:  # each is drawn when it comes into view, and replaces its picture
        _show(page, figure_id)
        hidden = page.execute_script(
            "return getComputedStyle(document.querySelector('#' + arguments[0] + ' img.pss-static')).display",
            figure_id,
        )
        assert hidden == "none"


def test_no_console_errors_and_no_request_to_another_host_once_charts_are_drawn(demo_run):
    with open_browser(1280) as driver:
        driver.get(_report(demo_run).as_uri())
        for figure_id in driver.execute_script(
            "return [...document.querySelectorAll('script.pss-plotly-spec')].map(s => s.parentNode.id)"
        )[:6]:
            _show(driver, figure_id)
        urls, errors = requested_urls(driver), console_errors(driver)
    assert foreign_requests(urls) == []
    assert errors == []


def _special_cause_point(page):
    """(div, point element, trace) of the first SPC chart with a special-cause point."""
    for figure_id in page.execute_script(
        "return [...document.querySelectorAll('figure[id^=\"figure-spc_\"]')].map(f => f.id)"
    ):
        div = _show(page, figure_id)
        index = page.execute_script(
            "return arguments[0].data.findIndex(t => String(t.meta).startsWith('special_cause'))", div
        )
        if index >= 0:
            trace = div.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace")[index]
            return div, trace.find_elements(By.CSS_SELECTOR, "path.point")[0], figure_id
    raise AssertionError("no special-cause point in the demo")


def test_hover_on_a_special_cause_point_names_its_rule(page):
    div, point, figure_id = _special_cause_point(page)
    text = _hover_text(page, div, point)
    assert "Special cause" in text, (figure_id, text)
    assert any(words in text for words in RULE_WORDS.values()), text
    assert "Value: " in text and "Centre line" in text and "process limits" in text


def test_hover_on_the_icons_says_what_they_mean(page):
    div, _, _ = _special_cause_point(page)
    words = list(VARIATION_WORDS.values()) + list(ASSURANCE_WORDS.values())
    icons = [
        a for a in div.find_elements(By.CSS_SELECTOR, ".annotation") if a.text.strip() in {"H", "L", "~", "P", "F", "?"}
    ]
    assert icons
    for icon in icons:
        assert _hover_text(page, div, icon) in words


def test_its_hover_gives_observed_fit_expected_and_the_difference_so_far(page):
    div = _show(page, "figure-its_acs_admissions")
    trace = div.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace")[
        page.execute_script("return arguments[0].data.findIndex(t => t.meta === 'observed')", div)
    ]
    last = trace.find_elements(By.CSS_SELECTOR, "path.point")[-1]
    text = _hover_text(page, div, last)
    for part in ("Observed: ", "Model fit: ", "Expected without the programme: ", "95% CI", "per 1,000"):
        assert part in text, text
    assert "Average difference from expected over the" in text  # a rate: the average month


def test_change_log_lines_say_the_change_on_hover(page):
    div = _show(page, "figure-its_acs_admissions")
    label = next(a for a in div.find_elements(By.CSS_SELECTOR, ".annotation") if a.text.strip() == "C2")
    assert "C2: Training" in _hover_text(page, div, label)


def test_zoom_and_legend_toggle_work(page):
    div = _show(page, "figure-spc_acs_admissions")
    before = page.execute_script("return arguments[0]._fullLayout.xaxis.range.slice()", div)
    box = div.find_element(By.CSS_SELECTOR, ".nsewdrag")
    ActionChains(page).move_to_element_with_offset(box, -100, 0).click_and_hold().move_by_offset(
        150, 0
    ).release().perform()
    time.sleep(0.5)
    after = page.execute_script("return arguments[0]._fullLayout.xaxis.range.slice()", div)
    assert after != before
    legend = div.find_elements(By.CSS_SELECTOR, ".legend .traces")[0]
    legend.click()
    time.sleep(0.5)
    assert page.execute_script("return arguments[0]._fullData[0].visible", div) == "legendonly"


def test_summary_table_sorts_filters_and_links_to_each_measure(page):
    page.execute_script("window.scrollTo(0, 0)")
    table = page.find_element(By.CSS_SELECTOR, "table.pss-explorable")

    def names() -> list[str]:
        cells = table.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child")
        return [c.text for c in cells if c.is_displayed()]

    original = names()
    header = table.find_element(By.XPATH, ".//th[.//button[normalize-space()='measure']]//button")
    header.click()
    assert names() == sorted(original, key=str.lower)
    header.click()
    assert names() == sorted(original, key=str.lower, reverse=True)
    latest = table.find_element(By.XPATH, ".//th[.//button[normalize-space()='target']]//button")
    latest.click()
    assert (
        table.find_element(By.XPATH, ".//th[.//button[normalize-space()='target']]").get_attribute("aria-sort")
        == "ascending"
    )
    search = page.find_element(By.CSS_SELECTOR, "label.pss-filter input")
    search.send_keys("deteriorated")
    shown = [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if r.is_displayed()]
    assert 0 < len(shown) < len(original) and all("deteriorated" in r.text for r in shown)
    search.clear()
    search.send_keys(" ")
    links = table.find_elements(By.CSS_SELECTOR, "tbody td:first-child a")
    assert len(links) == len(original)
    target = links[0].get_attribute("href").split("#")[1]
    links[0].click()
    time.sleep(0.3)
    top = page.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top", target)
    assert -2 <= top < 60


def test_without_scripts_the_static_pictures_and_data_tables_stay(demo_run):
    from selenium.webdriver.common.by import By as _By

    with open_browser(1280, javascript=False) as driver:
        driver.get(_report(demo_run).as_uri())
        figure = driver.find_element(_By.ID, "figure-spc_acs_admissions")
        image = figure.find_element(_By.CSS_SELECTOR, "img.pss-static")
        assert image.is_displayed() and image.get_attribute("alt")
        assert not figure.find_element(_By.CSS_SELECTOR, "div.pss-plotly").is_displayed()
        summary = figure.find_element(_By.CSS_SELECTOR, "details.pss-chart-data summary")
        summary.click()
        rows = figure.find_elements(_By.CSS_SELECTOR, "details.pss-chart-data tbody tr")
        assert len(rows) > 24 and rows[0].is_displayed()


def test_strategy_map_boxes_link_to_their_objectives_measures(page):
    page.execute_script("document.getElementById('figure-strategy_map').scrollIntoView()")
    regions = page.find_elements(By.CSS_SELECTOR, "#figure-strategy_map a.pss-region")
    assert len(regions) >= 10
    hrefs = [r.get_attribute("href").split("#")[1] for r in regions]
    image = page.find_element(By.CSS_SELECTOR, "#figure-strategy_map img").rect
    for region in regions:  # each link lies on the picture, and says the objective's measures
        box = region.rect
        assert image["x"] <= box["x"] and box["x"] + box["width"] <= image["x"] + image["width"] + 1
        assert "measures" in region.get_attribute("aria-label")
    assert all(hrefs) and len(set(hrefs)) <= len(hrefs)
    regions[0].click()
    time.sleep(0.3)
    top = page.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top", hrefs[0])
    assert -2 <= top < 60


def test_a_month_not_shown_is_a_tick_on_the_time_axis_whose_hover_says_why(page):
    """The demo's staff turnover has months of 1 to 7 leavers: the control chart has no point for them, a
    tick on the time axis instead, and its hover says the value is not shown."""
    div = _show(page, "figure-spc_staff_turnover")
    ticks = div.find_elements(By.CSS_SELECTOR, ".xy2 .scatterlayer .trace path.point")
    hidden = page.execute_script("return arguments[0].data.find(t => t.meta === 'hidden').x.length", div)
    assert hidden > 0 and len(ticks) == hidden
    plot = div.find_element(By.CSS_SELECTOR, ".draglayer .xy .nsewdrag").rect  # the plot area
    tick = ticks[0].rect
    assert abs(tick["y"] + tick["height"] / 2 - (plot["y"] + plot["height"])) < 8  # on the time axis
    text = _hover_text(page, div, ticks[0])
    assert "Value: not shown (small number)" in text and "%" not in text.split("Centre line")[0], text
