"""The catalogues are complete: every language has every key, and every key a template names exists."""

import re
from pathlib import Path

import pytest

from risk.features.catalog import FEATURES
from schemas.block_command import BlockAction
from schemas.common import Action, Channel
from service.console import audit, i18n
from service.console.exceptions import ConsoleError
from service.console.pages import ACTIONS

TEMPLATES = Path(i18n.__file__).resolve().parent / "templates"
LITERAL_KEY = re.compile(r"""\bt\(\s*'([a-z_.A-Z0-9]+)'""")


def test_the_languages_have_the_same_keys():
    assert set(i18n.catalogue("zh")) == set(i18n.catalogue("en"))


def _dynamic_keys() -> set[str]:
    subclasses = [ConsoleError, *ConsoleError.__subclasses__()]
    return ({f"action.{a}" for a in Action} | {f"channel.{c}" for c in Channel}
            | {f"block.{b}" for b in BlockAction} | {f"act.{kind}" for kind in ACTIONS}
            | {f"role.{r}" for r in ("analyst", "supervisor", "admin")}
            | {f"status.{s}" for s in ("open", "needs_info", "closed")}
            | {f"verdict.{v}" for v in ("fraud", "genuine", "needs_info")}
            | {f"error.{cls.code}" for cls in subclasses}
            | {f"event.{kind}" for kind in i18n_events()} | {f"audit.event.{e}" for e in audit.EVENTS}
            | {i18n.unit_key(name) for name in FEATURES if i18n.unit_key(name)})


def i18n_events() -> tuple[str, ...]:
    from service.console.detail import EVENT_FEATURES

    return EVENT_FEATURES


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_key_the_pages_use_exists(language):
    used = {key for path in TEMPLATES.glob("*.html") for key in LITERAL_KEY.findall(path.read_text())
            if not key.endswith(".")}  # a prefix completed at run time: _dynamic_keys lists those
    assert used, "the key pattern found nothing: the test would prove nothing"
    missing = sorted((used | _dynamic_keys()) - set(i18n.catalogue(language)))
    assert missing == []


def test_a_missing_key_shows_itself_and_values_are_filled_in():
    t = i18n.Translator("en")
    assert t("no.such.key") == "no.such.key"
    assert t("detail.outside_scope", n=3) == "and 3 accounts outside your scope"


def test_units_come_from_the_data_file():
    assert i18n.unit_key("account.amount_sum_24h") == "unit.cny"
    assert i18n.unit_key("account.minutes_since_password_reset") == "unit.minutes"
    assert i18n.unit_key("counterparty.fraud_count_1d") == "unit.count"
    assert i18n.unit_key("tx.channel") is None
