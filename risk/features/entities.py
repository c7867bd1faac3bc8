"""Device, location-cell and counterparty stages: shared-entity signals (farms, mule rings, fan-in)."""

from __future__ import annotations

from operator import attrgetter

from risk.facts import TxFacts
from risk.features.buckets import DAY_MS, add, empty_rings, window, window_count
from risk.features.catalog import WINDOWS_MS, absent_values, names_for
from risk.features.common import FeatureValues, StageConfig, State, distinct_count, distinct_counts, touch
from risk.features.labels import label_features

HOUR, DAY = WINDOWS_MS["1h"], WINDOWS_MS["24h"]


class _EntityStage:
    """What the non-account stages share: one `TxFacts` field as key, the state layout, the update, and
    the catalogue's absent values."""

    def __init__(self, name: str, key: str) -> None:
        self.name = name
        self.feature_names = tuple(names_for(name))
        self._key = attrgetter(key)
        self._absent = absent_values(name)

    def key(self, facts: TxFacts) -> str | None:
        value: str | None = self._key(facts)
        return value

    def new_state(self) -> State:
        return {"r": empty_rings(), "acc": {}, "dev": {}, "first": None}

    def absent(self, facts: TxFacts) -> FeatureValues:
        return dict(self._absent)

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        t, watermark = facts.event_time_ms, state["wm"]
        add(state["r"], t, facts.amount, watermark)
        touch(state["acc"], facts.account_id, t, cfg, watermark)
        state["first"] = t if state["first"] is None else min(state["first"], t)


class SharedEntityStage(_EntityStage):
    """An entity many accounts can share: first sighting, velocity, and how many accounts use it.

    `users` is what those accounts are called in the names: `<name>.distinct_<users>_{1h,24h,7d}`.
    """

    def __init__(self, name: str, key: str, users: str) -> None:
        super().__init__(name, key)
        widths = ("1h", "24h", "7d")
        self._distinct_names = tuple(f"{name}.distinct_{users}_{w}" for w in widths)
        self._distinct_widths = tuple(WINDOWS_MS[w] for w in widths)
        self._new_name = f"{name}.new_{users}_1h"

    def new_state(self) -> State:
        return {**super().new_state(), "new": empty_rings()}

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        if facts.account_id not in state["acc"]:  # a first-time user; states written before "new" lack it
            add(state.setdefault("new", empty_rings()), facts.event_time_ms, 1.0, state["wm"])
        super().update(state, facts, cfg)

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t, name = facts.event_time_ms, self.name
        first = state["first"]
        day = window(state["r"], "24h", t)
        out: FeatureValues = {
            f"{name}.is_new": first is None,
            f"{name}.days_since_first_seen": None if first is None else max(t - first, 0) / DAY_MS,
            f"{name}.tx_count_1h": window_count(state["r"], "1h", t) + 1,
            f"{name}.tx_count_24h": day.count + 1,
            f"{name}.amount_sum_24h": round(day.total + facts.amount, 2),
        }
        counts = distinct_counts(state["acc"], facts.account_id, t, self._distinct_widths)
        out.update(zip(self._distinct_names, counts, strict=True))
        earlier = window_count(state["new"], "1h", t) if "new" in state else 0
        out[self._new_name] = earlier + (facts.account_id not in state["acc"])
        out.update(label_features(name, state, t))
        return out


class DeviceStage(SharedEntityStage):
    def __init__(self) -> None:
        super().__init__("device", key="device_id", users="accounts")


class CounterpartyStage(SharedEntityStage):
    def __init__(self) -> None:
        super().__init__("counterparty", key="counterparty_id", users="senders")


class LocationStage(_EntityStage):
    """A location cell: how many accounts and devices are active in it."""

    def __init__(self) -> None:
        super().__init__("location", key="cell")

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t = facts.event_time_ms
        accounts_1h, accounts_24h = distinct_counts(state["acc"], facts.account_id, t, (HOUR, DAY))
        return {
            "location.cell": facts.cell,
            "location.tx_count_1h": window_count(state["r"], "1h", t) + 1,
            "location.distinct_accounts_1h": accounts_1h,
            "location.distinct_accounts_24h": accounts_24h,
            "location.distinct_devices_24h": distinct_count(state["dev"], facts.device_id, t, DAY),
            **label_features("location", state, t),
        }

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        super().update(state, facts, cfg)
        if facts.device_id is not None:
            touch(state["dev"], facts.device_id, facts.event_time_ms, cfg, state["wm"])
