"""The console in process (TestClient over a real SQLite store, a recording publisher instead of Kafka):
login, CSRF, scope and role checks, verdicts and actions, and that a failed publish changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.settings import Settings
from service.app import create_app
from service.console.exceptions import PublishFailed
from service.console.models import AuditRow
from service.console.mount import install
from service.console.users import create_user
from service.store import writes
from tests.servicedata import batch, pipeline_output

PASSWORD = "a long enough secret"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Recorder:
    sent: list[tuple[str, str, dict]] = field(default_factory=list)
    fail: bool = False

    def send(self, topic: str, key: str, value: bytes) -> None:
        if self.fail:
            raise PublishFailed(f"{topic}: broker down (test)")
        self.sent.append((topic, key, orjson.loads(value)))


@pytest.fixture
def console(engine) -> Iterator[tuple[TestClient, Recorder]]:
    writes.write_batch(engine, batch(), now_ms=0)
    for name, role, scope in (("county1", "analyst", "44/4401/440101"), ("county2", "analyst", "44/4401/440102"),
                              ("boss", "supervisor", "44")):
        create_user(engine, name, role, scope, 0, PASSWORD)
    app = create_app(Settings(sink_enabled=False, console_cookie_secure=False, console_login_max_failures=3,
                              console_language="en"), engine=engine)
    install(app)
    recorder = Recorder()
    app.state.console_publisher = recorder
    with TestClient(app, follow_redirects=False) as client:
        yield client, recorder


def login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/console/login")
    token = CSRF.search(page.text)[1]
    return client.post("/console/login", data={"username": username, "password": password, "csrf": token}
                       ).status_code


def csrf(client: TestClient, path: str = "/console/alerts") -> str:
    return CSRF.search(client.get(path).text)[1]


def alert_in(county: str) -> dict:
    return max((a for a in pipeline_output()["alerts"] if a["branch_path"].startswith(f"44/4401/{county}")),
               key=lambda a: a["score"])


def test_pages_need_a_login(console):
    client, _ = console
    assert client.get("/console/alerts").headers["location"] == "/console/login"


def test_login_sets_a_strict_http_only_cookie(console):
    client, _ = console
    assert login(client, "county1", "wrong password!") == 401
    assert login(client, "county1") == 303
    response = client.get("/console/alerts")
    assert response.status_code == 200 and "county1" in response.text


def test_the_session_cookie_flags(engine, console):
    client, _ = console
    page = client.get("/console/login")
    response = client.post("/console/login", data={"username": "county1", "password": PASSWORD,
                                                   "csrf": CSRF.search(page.text)[1]})
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "fs_session=" in header


def test_a_login_without_its_csrf_token_is_refused(console):
    client, _ = console
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "county1", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


def test_logins_are_rate_limited_per_user_and_client(console):
    client, _ = console
    for _ in range(3):
        assert login(client, "county1", "wrong password!") == 401
    assert login(client, "county1") == 429  # even the right password, until the window passes
    assert login(client, "county2") == 303  # another user is not affected


def test_a_county_analyst_sees_only_their_county(console):
    client, _ = console
    login(client, "county1")
    page = client.get("/console/alerts").text
    branches = set(re.findall(r'data-branch="([^"]+)"', page))
    assert branches and all(b.startswith("44/4401/440101") for b in branches)
    other = alert_in("440102")
    assert client.get(f"/console/alerts/{other['alert_id']}").status_code == 403
    token = csrf(client)
    assert client.post(f"/console/alerts/{other['alert_id']}/verdict",
                       data={"verdict": "fraud", "csrf": token}).status_code == 403


def test_a_fraud_verdict_publishes_a_label_then_closes_the_alert(engine, console):
    client, recorder = console
    login(client, "county1")
    alert = alert_in("440101")
    token = csrf(client, f"/console/alerts/{alert['alert_id']}")
    assert client.post(f"/console/alerts/{alert['alert_id']}/verdict",
                       data={"verdict": "fraud", "note": "customer confirmed", "csrf": "wrong"}).status_code == 403
    response = client.post(f"/console/alerts/{alert['alert_id']}/verdict",
                           data={"verdict": "fraud", "note": "customer confirmed", "csrf": token})
    assert response.status_code == 303
    [(topic, key, label)] = recorder.sent
    assert topic.endswith("fraud-labels") and key == alert["transaction_id"]
    assert (label["is_fraud"], label["source"], label["counterparty_id"]) == (True, "analyst",
                                                                             alert["counterparty_id"])
    assert alert["alert_id"] not in client.get("/console/alerts").text
    with engine.connect() as connection:
        events = connection.execute(select(AuditRow.event).where(AuditRow.username == "county1")).scalars().all()
    assert {"login", "view_alert", "verdict"} <= set(events)


def test_a_failed_publish_changes_nothing(engine, console):
    client, recorder = console
    login(client, "county1")
    alert = alert_in("440101")
    token = csrf(client, f"/console/alerts/{alert['alert_id']}")
    recorder.fail = True
    response = client.post(f"/console/alerts/{alert['alert_id']}/verdict", data={"verdict": "genuine", "csrf": token})
    assert response.status_code == 503 and 'id="publish-error"' in response.text
    assert alert["alert_id"] in client.get("/console/alerts").text
    with engine.connect() as connection:
        assert not connection.execute(select(AuditRow).where(AuditRow.event == "verdict")).first()


def test_an_action_publishes_a_block_command_and_shows_it(console):
    client, recorder = console
    login(client, "county1")
    alert = alert_in("440101")
    token = csrf(client, f"/console/alerts/{alert['alert_id']}")
    response = client.post(f"/console/alerts/{alert['alert_id']}/action",
                           data={"kind": "block_payee", "reason": "mule account", "expires_hours": "24", "csrf": token})
    assert response.status_code == 303
    [(topic, key, command)] = recorder.sent
    assert topic.endswith("block-commands") and key == alert["counterparty_id"]
    assert (command["action"], command["target_id"]) == ("block_payee", alert["counterparty_id"])
    assert command["expires_at"] is not None and "mule account" in command["reason_codes"]
    page = client.get(f"/console/alerts/{alert['alert_id']}").text
    assert "mule account" in page
    client.post(f"/console/alerts/{alert['alert_id']}/action",
                data={"kind": "unblock_payee", "reason": "cleared", "csrf": token})
    assert "mule account" not in client.get(f"/console/alerts/{alert['alert_id']}").text


def test_dashboards_and_the_audit_log_are_for_supervisors(console):
    client, _ = console
    login(client, "county1")
    assert client.get("/console/dashboard").status_code == 403
    assert client.get("/console/audit.csv").status_code == 403
    login(client, "boss")
    page = client.get("/console/dashboard")
    assert page.status_code == 200 and page.text.count("<svg") >= 3
    csv = client.get("/console/audit.csv")
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("time_utc,user")
    assert "county1" in csv.text


def test_the_audit_log_is_append_only(engine, console):
    client, _ = console
    login(client, "county1")
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE console_audit SET username = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM console_audit"))


def test_an_assigned_alert_is_not_anothers_to_conclude(engine, console):
    client, recorder = console
    alert = alert_in("440101")
    create_user(engine, "county1b", "analyst", "44/4401/440101", 0, PASSWORD)
    login(client, "county1")
    token = csrf(client, f"/console/alerts/{alert['alert_id']}")
    assert client.post(f"/console/alerts/{alert['alert_id']}/assign", data={"csrf": token}).status_code == 303
    assert client.post(f"/console/alerts/{alert['alert_id']}/verdict",
                       data={"verdict": "needs_info", "note": "calling back <script>x()</script>",
                             "csrf": token}).status_code == 303
    assert recorder.sent == []  # needs more info publishes nothing and keeps the alert open
    page = client.get(f"/console/alerts/{alert['alert_id']}").text
    assert "calling back &lt;script&gt;" in page and "<script>" not in page  # a note is text, never markup
    queue = client.get("/console/alerts").text
    assert alert["alert_id"] in queue and "county1" in queue
    login(client, "county1b")
    token = csrf(client, f"/console/alerts/{alert['alert_id']}")
    response = client.post(f"/console/alerts/{alert['alert_id']}/verdict", data={"verdict": "genuine", "csrf": token})
    assert response.status_code == 403 and recorder.sent == []
