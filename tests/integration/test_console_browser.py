"""The analyst console in a real headless Chromium, over a real worker, broker and PostgreSQL store: a county
analyst sees only their county, marks the top alert as fraud, the label reaches the topic, and the worker's
next decision on the same payee counts it. An analyst of another county gets 403 on that alert."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text

from app.settings import Settings
from schemas.times import iso_utc
from service.console.users import create_user
from service.store.engine import migrate, open_engine
from tests.integration.browser import BrowserMissing, chromium, log_in, submit_and_wait
from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.service_harness import RunningService
from tests.integration.traffic import encode, transaction

COUNT = 30
PASSWORD = "browser-test-password"
MINE, OTHER = "44/4401/440101", "44/4401/440102"


@pytest.fixture
def driver() -> Iterator[object]:
    try:
        browser = chromium()
    except BrowserMissing as err:
        pytest.fail(str(err), pytrace=False)
    try:
        yield browser
    finally:
        browser.quit()


def _decision_for(bootstrap: str, topic: str, transaction_id: str) -> dict:
    records = asyncio.run(consume(bootstrap, topic, lambda r: any(v["transaction_id"] == transaction_id
                                                                  for v in values(r)), timeout_s=30))
    return next(v for v in values(records) if v["transaction_id"] == transaction_id)


def test_a_county_analyst_marks_fraud_and_the_next_payment_to_that_payee_sees_it(
        driver, kafka_bootstrap, unique_prefix, tmp_path, postgres_store):
    topics = Settings(topic_prefix=unique_prefix).topic_names()
    worker = WorkerProcess("w1", kafka_bootstrap, unique_prefix, tmp_path, partitions=2, engine="quix").start()
    engine = open_engine(postgres_store)
    try:
        migrate(engine)
        for name, scope in (("county1", MINE), ("county2", OTHER)):
            create_user(engine, name, "analyst", scope, 0, PASSWORD)
        worker.wait_healthy()
        docs = [transaction(n, accounts=6, amount="60000.00" if n % 2 == 0 else f"{n + 10}.00") for n in range(COUNT)]
        asyncio.run(produce(kafka_bootstrap, topics.transactions, [encode(d) for d in docs]))
        settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, store_url=postgres_store,
                            app_id=f"{unique_prefix}svc".lower(), sink_batch_wait_ms=50)
        with RunningService(settings) as service:
            base = f"http://127.0.0.1:{service.port}"
            with engine.connect() as connection:
                def stored_alerts() -> set[str]:
                    return set(connection.execute(text("SELECT branch_path FROM alerts")).scalars())

                service.wait_for(lambda: {MINE, OTHER} <= stored_alerts(), timeout_s=60)

            log_in(driver, base, "county1", PASSWORD)
            rows = driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")
            assert rows and {r.get_attribute("data-branch") for r in rows} == {MINE}
            rows[0].find_element(By.CSS_SELECTOR, "a.open").click()
            alert_id = driver.find_element(By.ID, "alert-id").text
            payee = driver.find_element(By.ID, "payee").text
            assert driver.find_elements(By.CSS_SELECTOR, "#features tr[data-feature]")

            # another county's analyst: 403 on the same URL, in the browser and as the HTTP status
            alert_url = driver.current_url
            driver.delete_all_cookies()
            log_in(driver, base, "county2", PASSWORD)
            driver.get(alert_url)
            assert "403" in driver.find_element(By.ID, "error-code").text
            cookie = driver.get_cookie("fs_session")
            assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
            assert httpx.get(alert_url, cookies={"fs_session": cookie["value"]}).status_code == 403

            driver.delete_all_cookies()
            log_in(driver, base, "county1", PASSWORD)
            driver.get(alert_url)
            driver.find_element(By.ID, "verdict-fraud").click()
            driver.find_element(By.ID, "note").send_keys("客户电话确认被骗")
            submit_and_wait(driver, driver.find_element(By.ID, "submit-verdict"))
            assert alert_id not in driver.page_source  # back on the queue, the alert closed

        transaction_id = alert_id.split(":")[0]
        labels = values(asyncio.run(consume(kafka_bootstrap, topics.fraud_labels, lambda r: bool(r), timeout_s=30)))
        assert [(lab["transaction_id"], lab["is_fraud"], lab["source"], lab["counterparty_id"])
                for lab in labels] == [(transaction_id, True, "analyst", payee)]

        # the worker's label-fed state: the next payment to that payee carries the fraud count (poll, no sleep)
        deadline, count, n = time.monotonic() + 40, 0, 0
        while count < 1 and time.monotonic() < deadline:
            n += 1
            doc = transaction(900 + n, accounts=6, transaction_id=f"txnext{n:03d}", event_time=iso_utc(
                int(time.time() * 1000) + 1000), counterparty={"id": payee, "kind": "account"})
            asyncio.run(produce(kafka_bootstrap, topics.transactions, [encode(doc)]))
            decision = _decision_for(kafka_bootstrap, topics.decisions, doc["transaction_id"])
            count = decision["features"]["counterparty.fraud_count_1d"]
        assert count == 1, worker.tail()
    finally:
        worker.stop()
        engine.dispose()
