"""A real headless browser: Debian's chromium driven by its chromedriver through Selenium (never a download).

`make browser` installs both when missing; without them the browser tests fail with the reason (never skip).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

PAGE_WAIT_S = 20

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class BrowserMissing(RuntimeError):
    pass


def chromium(width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            raise BrowserMissing(f"{path} is missing: run `make browser` (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}", "--lang=zh-CN", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(PAGE_WAIT_S)  # a link's click returns before the next page has loaded
    return driver


def log_in(driver: webdriver.Chrome, base_url: str, username: str, password: str) -> None:
    """Waits for the page that names the user: a click only starts the POST, and the next `get` must carry the
    session cookie its answer sets (without the wait a slow CI machine navigates away first)."""
    driver.get(f"{base_url}/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver, driver.find_element(By.ID, "login"))
    try:
        WebDriverWait(driver, PAGE_WAIT_S).until(
            lambda d: any(username in e.text for e in d.find_elements(By.ID, "who")))
    except TimeoutException:
        errors = [e.text for e in driver.find_elements(By.ID, "login-error")]
        raise AssertionError(f"{username} is not logged in after {PAGE_WAIT_S} s at {driver.current_url}: "
                             f"{errors or driver.title}") from None


def submit_and_wait(driver: webdriver.Chrome, button: WebElement) -> None:
    """Clicks a form's button and waits for the page it posts from to go (the answer has loaded)."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()

    def page_left(d: webdriver.Chrome) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        return False

    WebDriverWait(driver, PAGE_WAIT_S).until(page_left)
