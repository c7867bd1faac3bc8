"""Account stage: velocity, amount profile, first-seen sets, travel, and pre-transaction event recency."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter

from risk.facts import TxFacts
from risk.features.buckets import WINDOW_BUCKETS, add, empty_rings, window, window_count
from risk.features.catalog import AMOUNT_MEMORY, SMALL_AMOUNT_CNY, WINDOWS_MS, names_for
from risk.features.common import (
    FeatureValues,
    StageConfig,
    State,
    distinct_count,
    distinct_counts,
    haversine_km,
    minutes_between,
    touch,
)

EVENT_KINDS = ("password_reset", "phone_changed", "device_bound", "payee_added", "limit_changed",
               "login_failure", "login_success")
MIN_TRAVEL_HOURS = 1 / 60  # two sightings a few seconds apart are not infinitely fast
MERCHANT = "merchant"
# Keys added after the first release: states written before them lack these keys and read as empty.
_LATER_KEYS = {"mer": dict, "p2p": dict, "amt": list, "reg": dict}
# Feature names built once, not per transaction (same names, same order in the snapshot)
_WINDOW_NAMES = tuple((name, f"account.tx_count_{name}", f"account.amount_sum_{name}") for name in WINDOWS_MS)
_EVENT_NAMES = tuple((kind, f"account.minutes_since_{kind}") for kind in EVENT_KINDS)
_TIME_OF = itemgetter(0)


@dataclass(frozen=True)
class AccountEventFacts:
    event_id: str
    event_time_ms: int
    account_id: str
    kind: str
    lat: float | None = None
    lon: float | None = None


class AccountStage:
    name = "account"
    feature_names = tuple(names_for("account"))

    def key(self, facts: TxFacts) -> str | None:
        return facts.account_id

    def new_state(self) -> State:
        return {"r": empty_rings(), "s": empty_rings(), "lf": empty_rings(), "dev": {}, "pay": {}, "cell": {},
                "last_tx": None, "geo": None, "ev": {}, "mer": {}, "p2p": {}, "amt": [], "reg": {}}

    def absent(self, facts: TxFacts) -> FeatureValues:  # every transaction has an account
        raise AssertionError("transactions always carry an account id")

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues:
        t, amount = facts.event_time_ms, facts.amount
        out: FeatureValues = {}
        rings = state["r"]
        stats = {name: window(rings, name, t) for name in WINDOW_BUCKETS}
        for name, count_name, sum_name in _WINDOW_NAMES:
            out[count_name] = stats[name].count + 1
            out[sum_name] = round(stats[name].total + amount, 2)
        month = stats["30d"]
        mean, std = month.mean, month.std
        out["account.amount_max_24h"] = stats["24h"].maximum
        out["account.amount_max_30d"] = month.maximum
        out["account.amount_mean_30d"] = mean
        out["account.amount_std_30d"] = std
        out["account.amount_zscore_30d"] = (amount - mean) / std if mean is not None and std else None
        out["account.amount_ratio_mean_30d"] = amount / mean if mean else None
        out["account.amount_ratio_max_30d"] = amount / month.maximum if month.maximum else None
        out["account.amount_pct_30d"] = _percentile(state.get("amt", ()), amount, t)
        out["account.small_tx_count_1h"] = window_count(state["s"], "1h", t) + (amount <= SMALL_AMOUNT_CNY)
        day, week, month_ms = WINDOWS_MS["24h"], WINDOWS_MS["7d"], WINDOWS_MS["30d"]
        out["account.distinct_devices_24h"], out["account.distinct_devices_30d"] = distinct_counts(
            state["dev"], facts.device_id, t, (day, month_ms))
        out["account.distinct_payees_24h"], out["account.distinct_payees_7d"] = distinct_counts(
            state["pay"], facts.counterparty_id, t, (day, week))
        merchant, p2p = _payee_split(facts)
        out["account.distinct_merchants_24h"] = distinct_count(state.get("mer", {}), merchant, t, day)
        out["account.distinct_p2p_payees_24h"], out["account.distinct_p2p_payees_7d"] = distinct_counts(
            state.get("p2p", {}), p2p, t, (day, week))
        out["account.distinct_cells_24h"] = distinct_count(state["cell"], facts.cell, t, day)
        regions = state.get("reg", {})
        out["account.distinct_regions_24h"] = distinct_count(regions, facts.region, t, day)
        out["account.is_new_device"] = facts.device_id is not None and facts.device_id not in state["dev"]
        out["account.is_new_payee"] = facts.counterparty_id is not None and facts.counterparty_id not in state["pay"]
        out["account.is_new_merchant"] = merchant is not None and merchant not in state.get("mer", {})
        out["account.is_new_cell"] = facts.cell is not None and facts.cell not in state["cell"]
        out["account.is_new_region"] = facts.region is not None and facts.region not in regions
        since_last = minutes_between(state["last_tx"], t)
        out["account.minutes_since_last_tx"] = since_last
        out["account.days_since_last_tx"] = None if since_last is None else since_last / 1440
        distance = speed = None
        if facts.lat is not None and facts.lon is not None and state["geo"] is not None:
            lat, lon, seen = state["geo"]
            distance = haversine_km(lat, lon, facts.lat, facts.lon)
            speed = distance / max(abs(t - seen) / 3_600_000, MIN_TRAVEL_HOURS)
        out["account.distance_from_last_km"] = distance
        out["account.travel_speed_kmh"] = speed
        out["account.login_failures_1h"] = window_count(state["lf"], "1h", t)
        out["account.login_failures_24h"] = window_count(state["lf"], "24h", t)
        events = state["ev"]
        for kind, name in _EVENT_NAMES:
            out[name] = minutes_between(events.get(kind), t)
        return out

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None:
        t, watermark = facts.event_time_ms, state["wm"]
        add(state["r"], t, facts.amount, watermark)
        if facts.amount <= SMALL_AMOUNT_CNY:
            add(state["s"], t, facts.amount, watermark)
        for key, factory in _LATER_KEYS.items():
            state.setdefault(key, factory())
        merchant, p2p = _payee_split(facts)
        for key, value in (("dev", facts.device_id), ("pay", facts.counterparty_id), ("cell", facts.cell),
                           ("mer", merchant), ("p2p", p2p), ("reg", facts.region)):
            if value is not None:
                touch(state[key], value, t, cfg, watermark)
        _remember_amount(_memory(state), t, facts.amount)
        state["last_tx"] = t if state["last_tx"] is None else max(state["last_tx"], t)
        _see_location(state, facts.lat, facts.lon, t)


def _payee_split(facts: TxFacts) -> tuple[str | None, str | None]:
    """(merchant id, person-to-person payee id): a payee is one or the other, never both."""
    if facts.counterparty_id is None:
        return None, None
    if facts.counterparty_kind == MERCHANT:
        return facts.counterparty_id, None
    return None, facts.counterparty_id


class _AmountMemory(list[list[float]]):
    """The state's `amt` list with its amounts also kept sorted beside it, so that the percentile of an
    account whose whole memory lies in the window is one bisection. Encodes as the plain list it is (orjson
    writes a list subclass as a list); a state decoded from bytes gets it on its first update.
    `_remember_amount` is the list's only writer and keeps both in step."""

    __slots__ = ("sorted_amounts",)

    def __init__(self, entries: list[list[float]]) -> None:
        super().__init__(entries)
        self.sorted_amounts = sorted(amount for _, amount in entries)


def _memory(state: State) -> list[list[float]]:
    amounts = state["amt"]
    if type(amounts) is not _AmountMemory:
        amounts = state["amt"] = _AmountMemory(amounts)  # same key, same place: the encoding is unchanged
    return amounts


def _percentile(amounts: Sequence[Sequence[float]], amount: float, now_ms: int) -> float | None:
    """Share of the remembered amounts of the 30 days before `now` that are below `amount`; None if none.

    The amounts are kept in event-time order (`_remember_amount`), so the window is one slice, found by
    bisection; when it is the whole memory, its sorted amounts answer by one more."""
    first = bisect_right(amounts, now_ms - WINDOWS_MS["30d"], key=_TIME_OF)  # (now - 30d, now]
    last = bisect_right(amounts, now_ms, key=_TIME_OF)
    if last <= first:
        return None
    if first == 0 and last == len(amounts) and type(amounts) is _AmountMemory:
        return bisect_left(amounts.sorted_amounts, amount) / last
    return len([value for _, value in islice(amounts, first, last) if value < amount]) / (last - first)


def _remember_amount(amounts: list[list[float]], time_ms: int, amount: float) -> None:
    """Keep the newest `AMOUNT_MEMORY` amounts, in event-time order (a late event slots in)."""
    index = len(amounts)
    while index and amounts[index - 1][0] > time_ms:
        index -= 1
    amounts.insert(index, [time_ms, amount])
    excess = len(amounts) - AMOUNT_MEMORY
    if type(amounts) is _AmountMemory:
        ordered = amounts.sorted_amounts
        insort(ordered, amount)
        for _, dropped in amounts[: max(excess, 0)]:
            del ordered[bisect_left(ordered, dropped)]
    if excess > 0:
        del amounts[:excess]


def _see_location(state: State, lat: float | None, lon: float | None, time_ms: int) -> None:
    if lat is not None and lon is not None and (state["geo"] is None or time_ms >= state["geo"][2]):
        state["geo"] = [lat, lon, time_ms]


def apply_account_event(state: State | None, event: AccountEventFacts, cfg: StageConfig) -> State | None:
    """Fold a login/binding/reset into account state; returns None when the event was already applied."""
    state = state if state is not None else AccountStage().new_state()
    seen_events: list[str] = state.setdefault("evseen", [])
    if event.event_id in seen_events:
        return None
    seen_events.append(event.event_id)
    del seen_events[: max(len(seen_events) - cfg.dedupe_capacity, 0)]
    t = event.event_time_ms
    state["wm"] = t if state.get("wm") is None else max(state["wm"], t)
    previous = state["ev"].get(event.kind)
    state["ev"][event.kind] = t if previous is None else max(previous, t)
    if event.kind == "login_failure":
        add(state["lf"], t, 1.0, state["wm"])
    _see_location(state, event.lat, event.lon, t)
    return state
