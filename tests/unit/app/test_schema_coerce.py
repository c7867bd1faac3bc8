"""Enum values of a foreign file are matched without regard to case, as a loop over the members would."""

import random
from enum import StrEnum

from app.schema_coerce import _enum, _enum_values
from schemas.account_event import AccountEventKind
from schemas.common import Channel, CounterpartyKind, TxType


def _reference(value, kind: type[StrEnum]):
    if isinstance(value, str):
        lowered = value.strip().lower()
        for member in kind:
            if member.value.lower() == lowered:
                return member.value
    return value


def test_the_lookup_table_matches_the_member_loop_on_random_spellings():
    rng = random.Random(23)
    for kind in (Channel, TxType, CounterpartyKind, AccountEventKind):
        table = _enum_values(kind)
        spellings = [m.value for m in kind] + ["", " ", "telepathy", 7, None, True]
        for _ in range(300):
            word = rng.choice(spellings)
            if isinstance(word, str):
                word = "".join(c.upper() if rng.random() < 0.5 else c for c in word)
                word = " " * rng.randint(0, 2) + word + "\t" * rng.randint(0, 1)
            assert _enum(word, table) == _reference(word, kind)


def test_the_first_member_wins_when_two_differ_only_in_case():
    class Shouting(StrEnum):
        QUIET = "ok"
        LOUD = "OK"

    assert _enum("Ok", _enum_values(Shouting)) == _reference("Ok", Shouting) == "ok"
