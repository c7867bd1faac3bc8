"""API keys: `fsk_<key id>_<secret>`. Only the SHA-256 of the secret is stored; the key is shown once.

The secret is 256 random bits, so a fast hash is as strong as a slow one here (nothing to brute-force), and
the lookup by the public key id keeps verification one indexed read plus one constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from service.scope import Scope

_KEY = re.compile(r"^fsk_(?P<id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    key_id: str
    plaintext: str
    secret_sha256: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: the key's id, name and branch scope."""

    key_id: str
    name: str
    scope: Scope


def generate() -> NewKey:
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return NewKey(key_id, f"fsk_{key_id}_{secret}", digest(secret))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(plaintext: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    match = _KEY.match(plaintext.strip())
    return (match["id"], match["secret"]) if match else None


def matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_sha256)
