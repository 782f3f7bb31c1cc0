"""A real headless Chromium (Debian's ``chromium`` and ``chromedriver``) driven by selenium, for tests
that look at the built-in HTML report as a reader's browser shows it.

:func:`open_browser` starts one browser with a fresh profile, no background networking, and the
browser console and performance (network) logs switched on; :func:`console_errors` and
:func:`foreign_requests` read those logs. Tests that need it skip, saying why, where Chromium,
chromedriver or selenium cannot be had (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Chromium switches: headless, no sandbox (containers), and nothing that talks to Google by itself.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars=false",
)
#: URL schemes a self-contained report may load (its own file, inline data, scripts made in the page).
LOCAL_SCHEMES = ("file", "data", "blob", "about", "chrome-error")


def browser_missing() -> str | None:
    """Why no browser can be started here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() or shutil.which(Path(path).name)):
            return f"{path} is not installed (Debian packages chromium and chromium-driver; .ci/run installs them)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@contextmanager
def open_browser(width: int = 1280, height: int = 900, *, javascript: bool = True) -> Iterator[Any]:
    """A headless Chromium window of ``width`` x ``height`` CSS pixels (skips the test if it cannot start),
    its logs emptied of what the browser did before the test; ``javascript=False`` for a reader without
    scripts."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="pss-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or CHROMEDRIVER))
    try:
        resize(driver, width, height)
        driver.get("about:blank")
        driver.get_log("browser"), driver.get_log("performance")  # what the browser did on its own at start
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def resize(driver: Any, width: int, height: int = 900) -> None:
    """Make the page's viewport ``width`` x ``height`` CSS pixels (the window has chrome around it)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def console_errors(driver: Any) -> list[str]:
    """The browser console's errors (and failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked for since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def foreign_requests(urls: list[str]) -> list[str]:
    """The URLs that would go to another host (anything but the file itself and inline data)."""
    return [url for url in urls if urlparse(url).scheme not in LOCAL_SCHEMES]
