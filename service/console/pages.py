"""The console's pages and form actions. Every page resolves the session first; every POST checks CSRF;
every alert page and action checks the alert's branch against the user's scope (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from risk.features.catalog import FEATURES
from schemas.block_command import BlockAction
from schemas.times import from_ms, to_ms
from service.console import audit, dashboards, detail, publish, queue, sessions, tokens, work
from service.console.exceptions import CsrfRejected, Forbidden, LoginThrottled, PublishFailed, UserInvalid
from service.console.sessions import LoginPolicy, Session
from service.console.web import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    bank_zone,
    checked_form,
    client_of,
    now_ms,
    redirect,
    render,
    session_of,
    set_cookie,
    settings_of,
    store_of,
)
from service.exceptions import ServiceError
from service.scope import Scope
from service.store import writes
from service.store.rows import Batch

router = APIRouter(prefix=PREFIX, include_in_schema=False)
AlertId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_.:@-]{1,128}$")]
T = TypeVar("T")
ACTIONS: dict[str, tuple[BlockAction, str, bool]] = {  # form value → (block action, target field, lift)
    "freeze_account": (BlockAction.FREEZE_ACCOUNT, "account_id", False),
    "unfreeze_account": (BlockAction.FREEZE_ACCOUNT, "account_id", True),
    "block_device": (BlockAction.BLOCK_DEVICE, "device_id", False),
    "unblock_device": (BlockAction.BLOCK_DEVICE, "device_id", True),
    "block_payee": (BlockAction.BLOCK_PAYEE, "counterparty_id", False),
    "unblock_payee": (BlockAction.BLOCK_PAYEE, "counterparty_id", True),
}
NOTE_MAX = 2000


async def _threaded(fn: Callable[[], T]) -> T:
    return await run_in_threadpool(fn)


@router.get("", response_class=HTMLResponse)
def home() -> Response:
    return redirect("/alerts")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    token = tokens.new_token()
    response = render(request, "login.html", login_csrf=token)
    set_cookie(response, settings_of(request), LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    if not tokens.csrf_matches(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise CsrfRejected("login form without its CSRF cookie")
    settings, engine, client = settings_of(request), store_of(request), client_of(request)
    username, at = form.get("username", "").strip()[:64], now_ms()
    policy = LoginPolicy(settings.console_session_hours, settings.console_login_max_failures,
                         settings.console_login_window_s)
    try:
        done = await _threaded(lambda: sessions.login(engine, username, form.get("password", ""), client, at, policy))
    except LoginThrottled:
        await _threaded(lambda: audit.append(engine, at_ms=at, username=username, client=client,
                                             event="login_throttled", target=username))
        raise
    branch = None if done is None else done[1].user.scope.prefix  # a supervisor above sees the login
    await _threaded(lambda: audit.append(engine, at_ms=at, username=username, client=client,
                                         event="login" if done else "login_failed", target=username,
                                         branch_path=branch))
    if done is None:
        token = tokens.new_token()
        refused = render(request, "login.html", status=401, login_csrf=token, failed=True)
        set_cookie(refused, settings, LOGIN_CSRF_COOKIE, token, 3600)
        return refused
    response = redirect("/alerts")
    set_cookie(response, settings, SESSION_COOKIE, done[0], int(settings.console_session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = await _threaded(lambda: session_of(request))
    await checked_form(request, session)
    engine, at = store_of(request), now_ms()
    await _threaded(lambda: sessions.logout(engine, request.cookies.get(SESSION_COOKIE), at))
    await _threaded(lambda: audit.append(engine, at_ms=at, username=session.user.username,
                                         client=client_of(request), event="logout", target=session.user.username))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


def _decimal(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as err:
        raise UserInvalid(f"amount {text[:40]!r} is not a number") from err


def _local_ms(request: Request, text: str | None) -> int | None:
    """A `datetime-local` form value in the bank's zone, as epoch ms."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise UserInvalid(f"time {text[:40]!r} is not YYYY-MM-DDTHH:MM") from err
    return to_ms(moment.replace(tzinfo=moment.tzinfo or bank_zone(settings_of(request))))


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(request: Request, action: str = "", rule: str = "", branch: str = "", channel: str = "",
                min_amount: str = "", max_amount: str = "", since: str = "", until: str = "") -> Response:
    session = session_of(request)
    try:
        scope = session.user.scope.narrow(branch or None)
    except ServiceError as err:  # OutOfScope, QueryInvalid: a branch outside the user's scope, or malformed
        raise Forbidden(str(err)) from err
    filters = queue.QueueFilters(action or None, rule or None, channel or None, _decimal(min_amount),
                                 _decimal(max_amount), _local_ms(request, since), _local_ms(request, until))
    with store_of(request).connect() as connection:
        found = queue.open_alerts(connection, scope, filters)
    oldest_age_h = None if found.oldest_open_stored_ms is None else (now_ms() - found.oldest_open_stored_ms) / 3.6e6
    return render(request, "queue.html", session=session, queue=found, oldest_age_h=oldest_age_h,
                  filters={"action": action, "rule": rule, "branch": branch, "channel": channel,
                           "min_amount": min_amount, "max_amount": max_amount, "since": since, "until": until})


def _alert_in_scope(request: Request, session: Session, alert_id: str) -> tuple[str, dict[str, Any]]:
    with store_of(request).connect() as connection:
        branch_path, alert = detail.alert_branch(connection, alert_id)
    session.user.require_branch(branch_path)
    return branch_path, alert


def _detail_page(request: Request, session: Session, alert_id: str, *, status: int = 200,
                 error: str | None = None) -> Response:
    branch_path, alert = _alert_in_scope(request, session, alert_id)
    engine, at = store_of(request), now_ms()
    with engine.connect() as connection:
        decision = detail.decision(connection, alert["transaction_id"]) or {}
        features = decision.get("features", {})
        targets = [alert.get("account_id"), alert.get("device_id"), alert.get("counterparty_id")]
        context = {
            "alert": alert, "decision": decision, "work": work.get(connection, alert_id),
            "features": [(name, value, FEATURES.get(name)) for name, value in features.items()],
            "timeline": detail.timeline(connection, session.user, alert["account_id"]),
            "events": detail.account_events(features),
            "linked": detail.linked(connection, session.user, alert["account_id"], alert.get("device_id"),
                                    alert.get("counterparty_id")),
            "blocks": detail.blocks(connection, [t for t in targets if t], at),
        }
    audit.append(engine, at_ms=at, username=session.user.username, client=client_of(request), event="view_alert",
                 target=alert_id, branch_path=branch_path, account_id=alert["account_id"])
    return render(request, "detail.html", status=status, session=session, error=error, **context)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_detail(request: Request, alert_id: AlertId) -> Response:
    return _detail_page(request, session_of(request), alert_id)


@router.post("/alerts/{alert_id}/assign")
async def assign(request: Request, alert_id: AlertId) -> Response:
    session = await _threaded(lambda: session_of(request))
    await checked_form(request, session)

    def run() -> None:
        branch_path, _ = _alert_in_scope(request, session, alert_id)
        at = now_ms()
        with store_of(request).begin() as connection:
            work.assign(connection, alert_id, branch_path, session.user.username, at)
            audit.record(connection, at_ms=at, username=session.user.username, client=client_of(request),
                         event="assign", target=alert_id, branch_path=branch_path)

    await _threaded(run)
    return redirect(f"/alerts/{alert_id}")


def _may_conclude(request: Request, session: Session, alert_id: str) -> None:
    with store_of(request).connect() as connection:
        current = work.get(connection, alert_id)
    if current.status == "closed" or current.assignee not in (None, session.user.username):
        raise Forbidden(f"alert {alert_id} is closed or held by {current.assignee}")


@router.post("/alerts/{alert_id}/verdict")
async def verdict(request: Request, alert_id: AlertId) -> Response:
    """Fraud or genuine: the Label is published first (a failure changes nothing), then the alert closes."""
    session = await _threaded(lambda: session_of(request))
    form = await checked_form(request, session)
    choice, note = form.get("verdict", ""), form.get("note", "").strip()[:NOTE_MAX]
    if choice not in ("fraud", "genuine", "needs_info"):
        raise UserInvalid(f"verdict {choice[:20]!r} is not fraud, genuine or needs_info")

    def run() -> Response | None:
        branch_path, alert = _alert_in_scope(request, session, alert_id)
        _may_conclude(request, session, alert_id)
        at = now_ms()
        if choice != "needs_info":
            label = publish.label(transaction_id=alert["transaction_id"], is_fraud=choice == "fraud",
                                  now=from_ms(at), account_id=alert["account_id"],
                                  counterparty_id=alert.get("counterparty_id"), device_id=alert.get("device_id"))
            try:
                request.app.state.console_publisher.send(settings_of(request).topic_names().fraud_labels,
                                                         label.transaction_id, publish.encode(label))
            except PublishFailed as err:
                return _detail_page(request, session, alert_id, status=503, error=str(err))
        with store_of(request).begin() as connection:
            work.conclude(connection, alert_id, branch_path, session.user.username, choice, note,  # type: ignore[arg-type]  # checked above
                          at)
            audit.record(connection, at_ms=at, username=session.user.username, client=client_of(request),
                         event="verdict", target=alert_id, branch_path=branch_path, verdict=choice, note=note,
                         transaction_id=alert["transaction_id"])
        return None

    failed = await _threaded(run)
    return failed if failed is not None else redirect("/alerts")


@router.post("/alerts/{alert_id}/action")
async def act(request: Request, alert_id: AlertId) -> Response:
    """Freeze/unfreeze, block/unblock: a BlockCommand is published first, then audited."""
    session = await _threaded(lambda: session_of(request))
    form = await checked_form(request, session)
    kind, reason = form.get("kind", ""), form.get("reason", "").strip()[:200]
    if kind not in ACTIONS or not reason:
        raise UserInvalid(f"action {kind[:30]!r} needs one of {', '.join(ACTIONS)} and a reason")
    try:
        hours = float(form["expires_hours"]) if form.get("expires_hours") else None
    except ValueError as err:
        raise UserInvalid("expiry must be a number of hours") from err
    block_action, field, lift = ACTIONS[kind]

    def run() -> Response | None:
        branch_path, alert = _alert_in_scope(request, session, alert_id)
        target = alert.get(field)
        if not target:
            raise UserInvalid(f"this alert has no {field} to act on")
        at = now_ms()
        command = publish.block(action=block_action, target_id=target, transaction_id=alert["transaction_id"],
                                account_id=alert["account_id"], reason=reason,
                                now=from_ms(at), expires_in_hours=hours, lift=lift,
                                username=session.user.username)
        try:
            request.app.state.console_publisher.send(settings_of(request).topic_names().blocks, target,
                                                     publish.encode(command))
        except PublishFailed as err:
            return _detail_page(request, session, alert_id, status=503, error=str(err))
        with store_of(request).begin() as connection:  # shown at once; the sink's copy of it is then a no-op
            writes.write(connection, Batch(blocks=[command]), at)
            audit.record(connection, at_ms=at, username=session.user.username, client=client_of(request),
                         event="action", target=target, branch_path=branch_path, action=kind, reason=reason,
                         expires_hours=hours, command_id=command.command_id)
        return None

    failed = await _threaded(run)
    return failed if failed is not None else redirect(f"/alerts/{alert_id}")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    session = session_of(request)
    session.user.require("supervisor")
    scope: Scope = session.user.scope
    with store_of(request).connect() as connection:
        start_ms, hourly = dashboards.decisions_by_hour(connection, scope)
        context: dict[str, Any] = {
            "hourly": hourly, "start_ms": start_ms, "rules": dashboards.per_rule(connection, scope),
            "branches": dashboards.per_branch(connection, scope),
            "ageing": dashboards.open_ageing(connection, scope, now_ms()),
            "versions": dashboards.versions(connection), "actions": dashboards.ACTIONS}
    return render(request, "dashboard.html", session=session, **context)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request) -> Response:
    session = session_of(request)
    session.user.require("supervisor")
    with store_of(request).connect() as connection:
        rows = audit.entries(connection, session.user.scope, limit=200)
    return render(request, "audit.html", session=session, rows=rows)


@router.get("/audit.csv")
def audit_csv(request: Request) -> Response:
    session = session_of(request)
    session.user.require("supervisor")
    engine, at = store_of(request), now_ms()
    with engine.connect() as connection:
        rows = audit.entries(connection, session.user.scope, limit=100_000)
    audit.append(engine, at_ms=at, username=session.user.username, client=client_of(request), event="audit_export",
                 target=str(session.user.scope), rows=len(rows))
    return StreamingResponse(audit.to_csv(rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="fraudstream-audit.csv"'})
