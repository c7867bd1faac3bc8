import pytest

from service.console import passwords


def test_a_hash_verifies_its_password_only():
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct" not in hashed
    assert passwords.verify("correct horse battery", hashed)
    assert not passwords.verify("correct horse battery!", hashed)


def test_an_unknown_user_never_verifies():
    assert not passwords.verify("anything at all", None)
    assert not passwords.verify("anything at all", "not-a-hash")


def test_short_passwords_are_refused():
    with pytest.raises(ValueError, match="12"):
        passwords.hash_password("short")


def test_generated_passwords_differ_and_are_long_enough():
    first, second = passwords.generate(), passwords.generate()
    assert first != second and len(first) >= passwords.MIN_LENGTH
