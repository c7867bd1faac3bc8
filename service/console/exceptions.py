"""Typed errors of the analyst console; the pages map each `status` to an HTTP answer."""

from __future__ import annotations

from typing import ClassVar

from service.exceptions import ServiceError


class ConsoleError(ServiceError):
    """Base of every error the console raises on purpose."""

    code = "console_error"
    status: ClassVar[int] = 500


class NotLoggedIn(ConsoleError):
    """No session cookie, or one that is unknown or expired: the page sends the browser to the login form."""

    code = "console_login_required"
    status = 401


class Forbidden(ConsoleError):
    """The user's role or branch scope does not allow this page or action."""

    code = "console_forbidden"
    status = 403


class CsrfRejected(ConsoleError):
    """A form came without this session's CSRF token."""

    code = "console_csrf"
    status = 403


class LoginThrottled(ConsoleError):
    """Too many failed logins for this user from this client within the window."""

    code = "console_login_throttled"
    status = 429


class UserInvalid(ConsoleError):
    """A user name, role or scope that cannot be stored."""

    code = "console_user_invalid"
    status = 400


class PublishFailed(ConsoleError):
    """Kafka did not acknowledge a label or block command: nothing was changed."""

    code = "console_publish_failed"
    status = 503


class AlertNotFound(ConsoleError):
    """No stored alert under that id."""

    code = "console_alert_not_found"
    status = 404
