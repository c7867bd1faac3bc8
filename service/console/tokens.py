"""Session and CSRF tokens: random, compared in constant time; only a session token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_matches(sent: str | None, expected: str) -> bool:
    """The form's token equals the session's (constant time; a missing or empty one never matches)."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())
