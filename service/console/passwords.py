"""Password hashes (argon2id, argon2-cffi's defaults) and one-time generated passwords.

A password is never stored or logged; `generate` makes one to print once (no default password exists).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 12
# A hash to verify against when the user does not exist, so a wrong name costs what a wrong password costs.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters, got {len(password)}")
    return _HASHER.hash(password)


def verify(password: str, stored_hash: str | None) -> bool:
    """True when `password` matches; a missing user is checked against a dummy hash (same cost, false)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate() -> str:
    """A one-time password: 128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)
