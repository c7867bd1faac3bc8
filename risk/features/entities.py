"""Device, location-cell and counterparty stages: shared-entity signals (farms, mule rings, fan-in)."""

from __future__ import annotations

from risk.facts import TxFacts
from risk.features.buckets import DAY_MS, add, empty_rings, window
from risk.features.catalog import WINDOWS_MS, names_for
from risk.features.common import FeatureValues, StageConfig, State, distinct_count, touch
from risk.features.labels import empty_label_features, label_features

HOUR, DAY, WEEK = WINDOWS_MS["1h"], WINDOWS_MS["24h"], WINDOWS_MS["7d"]


def _new_state() -> State:
    return {"r": empty_rings(), "acc": {}, "dev": {}, "first": None}


def _first_seen(state: State, now_ms: int) -> tuple[bool, float | None]:
    first = state["first"]
    if first is None:
        return True, None
    return False, max(now_ms - first, 0) / DAY_MS


def _update_common(state: State, facts: TxFacts, cfg: StageConfig) -> None:
    t, watermark = facts.event_time_ms, state["wm"]
    add(state["r"], t, facts.amount, watermark)
    touch(state["acc"], facts.account_id, t, cfg, watermark)
    state["first"] = t if state["first"] is None else min(state["first"], t)


class DeviceStage:
    name = "device"
    feature_names = tuple(names_for("device"))

    def key(self, facts: TxFacts) -> str | None:
        return facts.device_id

    def new_state(self) -> State:
        return _new_state()

    def absent(self, facts: TxFacts) -> FeatureValues:
        return {"device.is_new": False, "device.days_since_first_seen": None, "device.tx_count_1h": 0,
                "device.tx_count_24h": 0, "device.amount_sum_24h": 0.0, "device.distinct_accounts_1h": 0,
                "device.distinct_accounts_24h": 0, "device.distinct_accounts_7d": 0, **empty_label_features("device")}

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t = facts.event_time_ms
        is_new, age_days = _first_seen(state, t)
        day = window(state["r"], "24h", t)
        return {
            "device.is_new": is_new,
            "device.days_since_first_seen": age_days,
            "device.tx_count_1h": window(state["r"], "1h", t).count + 1,
            "device.tx_count_24h": day.count + 1,
            "device.amount_sum_24h": round(day.total + facts.amount, 2),
            "device.distinct_accounts_1h": distinct_count(state["acc"], facts.account_id, t, HOUR),
            "device.distinct_accounts_24h": distinct_count(state["acc"], facts.account_id, t, DAY),
            "device.distinct_accounts_7d": distinct_count(state["acc"], facts.account_id, t, WEEK),
            **label_features("device", state, t),
        }

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        _update_common(state, facts, cfg)


class LocationStage:
    name = "location"
    feature_names = tuple(names_for("location"))

    def key(self, facts: TxFacts) -> str | None:
        return facts.cell

    def new_state(self) -> State:
        return _new_state()

    def absent(self, facts: TxFacts) -> FeatureValues:
        return {"location.cell": None, "location.tx_count_1h": 0, "location.distinct_accounts_1h": 0,
                "location.distinct_accounts_24h": 0, "location.distinct_devices_24h": 0,
                **empty_label_features("location")}

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t = facts.event_time_ms
        return {
            "location.cell": facts.cell,
            "location.tx_count_1h": window(state["r"], "1h", t).count + 1,
            "location.distinct_accounts_1h": distinct_count(state["acc"], facts.account_id, t, HOUR),
            "location.distinct_accounts_24h": distinct_count(state["acc"], facts.account_id, t, DAY),
            "location.distinct_devices_24h": distinct_count(state["dev"], facts.device_id, t, DAY),
            **label_features("location", state, t),
        }

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        _update_common(state, facts, cfg)
        if facts.device_id is not None:
            touch(state["dev"], facts.device_id, facts.event_time_ms, cfg, state["wm"])


class CounterpartyStage:
    name = "counterparty"
    feature_names = tuple(names_for("counterparty"))

    def key(self, facts: TxFacts) -> str | None:
        return facts.counterparty_id

    def new_state(self) -> State:
        return _new_state()

    def absent(self, facts: TxFacts) -> FeatureValues:
        return {"counterparty.is_new": False, "counterparty.days_since_first_seen": None,
                "counterparty.tx_count_1h": 0, "counterparty.tx_count_24h": 0,
                "counterparty.amount_sum_24h": 0.0, "counterparty.distinct_senders_1h": 0,
                "counterparty.distinct_senders_24h": 0, "counterparty.distinct_senders_7d": 0,
                **empty_label_features("counterparty")}

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t = facts.event_time_ms
        is_new, age_days = _first_seen(state, t)
        day = window(state["r"], "24h", t)
        return {
            "counterparty.is_new": is_new,
            "counterparty.days_since_first_seen": age_days,
            "counterparty.tx_count_1h": window(state["r"], "1h", t).count + 1,
            "counterparty.tx_count_24h": day.count + 1,
            "counterparty.amount_sum_24h": round(day.total + facts.amount, 2),
            "counterparty.distinct_senders_1h": distinct_count(state["acc"], facts.account_id, t, HOUR),
            "counterparty.distinct_senders_24h": distinct_count(state["acc"], facts.account_id, t, DAY),
            "counterparty.distinct_senders_7d": distinct_count(state["acc"], facts.account_id, t, WEEK),
            **label_features("counterparty", state, t),
        }

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        _update_common(state, facts, cfg)

