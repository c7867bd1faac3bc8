"""`make screenshots`: the console's README screenshots from a headless Chromium (docs/console/*.png).

The store is filled with real pipeline output (`tests.servicedata`, the workers' own handlers in process) and
a few verdicts, so no broker is needed; the service runs with its sink off.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from app.settings import Settings
from service.app import create_app
from service.console import work
from service.console.mount import install
from service.console.users import create_user
from service.store import writes
from service.store.engine import migrate, open_engine
from tests.integration.browser import chromium, log_in
from tests.integration.service_harness import RunningService
from tests.servicedata import batch, pipeline_output

PASSWORD = "screenshot-password"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        engine = open_engine(url)
        migrate(engine)
        now_ms = int(time.time() * 1000)
        writes.write_batch(engine, batch(), now_ms=now_ms - 5 * 3_600_000)
        create_user(engine, "wang.supervisor", "supervisor", "44", now_ms, PASSWORD)
        alerts = sorted(pipeline_output()["alerts"], key=lambda a: a["score"])
        with engine.begin() as connection:
            for index, alert in enumerate(alerts[: len(alerts) // 3]):
                work.conclude(connection, alert["alert_id"], alert["branch_path"], "wang.supervisor",
                              "fraud" if index % 3 == 0 else "genuine", "", now_ms)
        engine.dispose()
        driver = chromium(1400, 1100)
        settings = Settings(store_url=url, sink_enabled=False, console_language="zh")
        try:
            app = create_app(settings)  # the query API and the console; no decision API (it needs a broker)
            install(app)
            with RunningService(settings, app) as service:
                base = f"http://127.0.0.1:{service.port}"
                log_in(driver, base, "wang.supervisor", PASSWORD)
                driver.save_screenshot(str(out / "queue.png"))
                driver.find_element(By.CSS_SELECTOR, "tr.alert-row a.open").click()
                driver.set_window_size(1400, 1700)
                driver.save_screenshot(str(out / "detail.png"))
                driver.set_window_size(1400, 1250)
                driver.get(f"{base}/console/dashboard")
                driver.save_screenshot(str(out / "dashboard.png"))
        finally:
            driver.quit()
    print(f"screenshots in {out}: queue.png detail.png dashboard.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console"))
