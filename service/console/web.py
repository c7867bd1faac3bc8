"""Request plumbing shared by the console's pages: the clock, the caller's session, CSRF, rendering."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from app.settings import Settings
from schemas.times import from_ms
from service.console import sessions, tokens
from service.console.exceptions import ConsoleError, CsrfRejected, Forbidden, NotLoggedIn
from service.console.i18n import Translator, unit_key
from service.console.sessions import Session

SESSION_COOKIE = "fs_session"
LOGIN_CSRF_COOKIE = "fs_login_csrf"
PREFIX = "/console"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def now_ms() -> int:
    return int(time.time() * 1000)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def store_of(request: Request) -> Engine:
    return request.app.state.store


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bank_zone(settings: Settings) -> timezone:
    return timezone(timedelta(minutes=settings.utc_offset_minutes))


def session_of(request: Request) -> Session:
    """The caller's session (NotLoggedIn sends the browser to the login form)."""
    return sessions.resolve(store_of(request), request.cookies.get(SESSION_COOKIE), now_ms())


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The POSTed form, after its CSRF token matched this session's."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    if not tokens.csrf_matches(form.get("csrf"), session.csrf_token):
        raise CsrfRejected("the form's CSRF token does not match this session")
    return form


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age_s: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age_s, path=PREFIX, httponly=True, samesite="strict",
                        secure=settings.console_cookie_secure)


def render(request: Request, template: str, status: int = 200, session: Session | None = None,
           **context: Any) -> HTMLResponse:
    settings = settings_of(request)
    zone = bank_zone(settings)

    def when(value: Any) -> str:
        if value is None:
            return ""
        moment = from_ms(int(value)) if isinstance(value, int | float) else datetime.fromisoformat(str(value))
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return TEMPLATES.TemplateResponse(request, template, status_code=status, context={
        "t": Translator(settings.console_language), "lang": settings.console_language, "session": session,
        "user": session.user if session else None, "csrf": session.csrf_token if session else "",
        "when": when, "unit_key": unit_key, "prefix": PREFIX, **context})


def error_page(request: Request, err: Exception) -> Response:
    """NotLoggedIn → the login form; any other console error → a page with its status (403, 404, 429, 503)."""
    assert isinstance(err, ConsoleError)
    if isinstance(err, NotLoggedIn):
        return redirect("/login")
    session = None
    if not isinstance(err, Forbidden) or request.cookies.get(SESSION_COOKIE):
        try:
            session = session_of(request)
        except NotLoggedIn:
            session = None
    return render(request, "error.html", status=err.status, session=session, code=err.code)
