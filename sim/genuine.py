"""Genuine customers' behaviour: transactions, logins and account maintenance, plus occasional travel.

Draws are vectorised per time chunk (numpy), then one Python pass builds the messages: that keeps the
simulator at tens of thousands of records per second.
"""

from __future__ import annotations

import numpy as np

from sim.amounts import CHANNELS, TX_TYPES, sample_amounts, sample_type
from sim.config import DAY_MS, SimConfig
from sim.geo import FAR_PLACES
from sim.labels import FALSE_COMPLAINT, GENUINE
from sim.population import ADULT, ELDERLY, YOUNG, Population
from sim.rhythm import hour_slots, sample_times, slot_weights
from sim.sink import Sink

# P(channel) per segment, columns follow amounts.CHANNELS: mobile, online, quickpay, counter, atm, pos.
_SEGMENT_CHANNELS = {
    YOUNG: [0.45, 0.05, 0.30, 0.02, 0.05, 0.13],
    ADULT: [0.40, 0.05, 0.20, 0.12, 0.10, 0.13],
    ELDERLY: [0.20, 0.00, 0.05, 0.45, 0.25, 0.05],
}
_NEEDS_PHONE = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
_DIGITAL = {"mobile", "online", "quickpay"}
# Account events per customer-day for genuine customers (login-only sessions: phone owners only).
EVENT_RATES_PER_DAY = {"login_only": 0.15, "payee_added": 1 / 45, "limit_changed": 1 / 180,
                       "password_reset": 1 / 400, "phone_changed": 1 / 900, "new_phone": 1 / 600}
TRAVEL_PER_DAY = 0.004
LOGIN_BEFORE_TX = 0.7
LOGIN_FAILURE = 0.04


class GenuineTraffic:
    """Generates genuine activity chunk by chunk; keeps travel and device state between chunks."""

    def __init__(self, config: SimConfig, pop: Population, sink: Sink, rng: np.random.Generator) -> None:
        self.config, self.pop, self.sink, self.rng = config, pop, sink, rng
        n = len(pop.customers)
        probs = np.array([_SEGMENT_CHANNELS[s] for s in pop.segments.tolist()])
        probs[~pop.has_device] *= ~_NEEDS_PHONE
        self._channel_cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        self._trip_start = np.zeros(n, dtype=np.int64)
        self._trip_end = np.zeros(n, dtype=np.int64)
        self._trip_place: dict[int, tuple[float, float, str | None]] = {}  # (lat, lon, region code)

    def generate(self, start_ms: int, end_ms: int) -> int:
        """Emit genuine records with event times in `[start_ms, end_ms)`; returns the transaction count."""
        starts, ends = hour_slots(start_ms, end_ms)
        self._plan_trips(start_ms, end_ms)
        device_changes = self._account_events(start_ms, end_ms, starts, ends)
        return self._transactions(starts, ends, device_changes)

    def _plan_trips(self, start_ms: int, end_ms: int) -> None:
        rng, days = self.rng, (end_ms - start_ms) / DAY_MS
        idle = (self._trip_end <= start_ms) & (self.pop.rates > 0)
        leaving = np.flatnonzero(idle & (rng.random(len(idle)) < TRAVEL_PER_DAY * days))
        for i in leaving.tolist():
            begin = start_ms + int(rng.random() * (end_ms - start_ms))
            self._trip_start[i], self._trip_end[i] = begin, begin + int(rng.uniform(2, 7) * DAY_MS)
            if rng.random() < 0.7:
                county = self.pop.counties[int(rng.integers(len(self.pop.counties)))]
                self._trip_place[i] = (county.lat, county.lon, county.code)
            else:
                place = FAR_PLACES[int(rng.integers(7))]  # domestic destinations only
                self._trip_place[i] = (place.lat, place.lon, place.region_code)

    def _account_events(self, start_ms: int, end_ms: int, starts: np.ndarray, ends: np.ndarray) -> dict:
        """Maintenance events; returns {customer index: (change time, old device)} for new phones."""
        rng, pop, sink = self.rng, self.pop, self.sink
        weights = slot_weights(starts, ends, ADULT)
        days = (end_ms - start_ms) / DAY_MS
        active = pop.rates > 0
        changes: dict[int, tuple[int, str | None]] = {}
        for kind, rate in EVENT_RATES_PER_DAY.items():
            eligible = active & pop.has_device if kind in ("login_only", "new_phone") else active
            counts = rng.poisson(rate * days * eligible)
            who = np.repeat(np.arange(len(counts)), counts)
            times = sample_times(rng, starts, ends, weights, len(who))
            for i, t in zip(who.tolist(), times.tolist(), strict=True):
                c = pop.customers[i]
                account = c.accounts[0]
                lat, lon, _ = self._where(i, t)
                geo = {"lat": round(lat, 5), "lon": round(lon, 5)}
                ip = f"{c.ip_prefix}.{(t >> 8) % 254 + 1}.{t % 254 + 1}"
                if kind == "login_only":
                    sink.event(t, c, account, "login_success", "mobile", c.device_id, geo, ip)
                elif kind == "payee_added":
                    payee = pop.external_payee(rng) if rng.random() < 0.5 else {
                        "id": pop.customers[int(rng.integers(len(pop.customers)))].accounts[0], "kind": "account"}
                    sink.event(t, c, account, "payee_added", "mobile" if c.device_id else "counter",
                               c.device_id, geo, ip if c.device_id else None, payee_id=payee["id"])
                    c.payees.append(payee)
                elif kind == "new_phone":
                    old, new = c.device_id, pop.next_id("D")
                    sink.event(t, c, account, "device_unbound", "mobile", old, geo, ip)
                    sink.event(t + 1_000, c, account, "device_bound", "mobile", new, geo, ip)
                    changes.setdefault(i, (t, old))
                    c.device_id = new
                else:
                    channel = "counter" if rng.random() < 0.5 or c.device_id is None else "mobile"
                    device = c.device_id if channel == "mobile" else None
                    sink.event(t, c, account, kind, channel, device, geo, ip if device else None)
        return changes

    def _where(self, i: int, t: int) -> tuple[float, float, str | None]:
        if self._trip_start[i] <= t < self._trip_end[i]:
            return self._trip_place[i]
        c = self.pop.customers[i]
        return c.home_lat, c.home_lon, c.county.code

    def _transactions(self, starts: np.ndarray, ends: np.ndarray, device_changes: dict) -> int:
        rng, pop, sink = self.rng, self.pop, self.sink
        who_parts, time_parts = [], []
        for segment in (YOUNG, ADULT, ELDERLY):
            members = np.flatnonzero(pop.segments == segment)
            weights = slot_weights(starts, ends, segment)
            counts = rng.poisson(pop.rates[members] * weights.sum())
            who_parts.append(np.repeat(members, counts))
            time_parts.append(sample_times(rng, starts, ends, weights, int(counts.sum())))
        who, times = np.concatenate(who_parts), np.concatenate(time_parts)
        n = len(who)
        channels = np.minimum((rng.random(n)[:, None] > self._channel_cum[who]).sum(axis=1), len(CHANNELS) - 1)
        types = sample_type(rng, channels)
        amounts = sample_amounts(rng, channels, types)
        pick = rng.random((n, 4)).tolist()
        noise = (rng.standard_normal((n, 2)) * (1.5 / 111.0)).tolist()
        ip_parts = rng.integers(1, 255, (n, 2)).tolist()
        login_gap = rng.integers(5_000, 600_000, n).tolist()
        who_l, times_l, channels_l, types_l, amounts_l = (a.tolist() for a in (who, times, channels, types, amounts))
        label_rate, complaints = self.config.genuine_label_rate, self.config.false_complaint_rate
        online = pop.online_merchants
        for k in range(n):
            i, t = who_l[k], times_l[k]
            c = pop.customers[i]
            channel, tx_type = CHANNELS[channels_l[k]], TX_TYPES[types_l[k]]
            u_account, u_payee, u_login, u_label = pick[k]
            account = c.accounts[1] if len(c.accounts) > 1 and u_account < 0.25 else c.accounts[0]
            lat, lon, region = self._where(i, t)
            if channel == "counter":
                lat, lon = (c.county.lat, c.county.lon) if region == c.county.code else (lat, lon)
            geo = {"lat": round(lat + noise[k][0], 5), "lon": round(lon + noise[k][1], 5)}
            device = ip = None
            if channel in _DIGITAL:
                device = c.device_id
                change = device_changes.get(i)
                if change is not None and t < change[0]:
                    device = change[1]
                ip = f"{c.ip_prefix}.{ip_parts[k][0]}.{ip_parts[k][1]}"
            if tx_type == "transfer":
                counterparty = c.payees[int(u_payee * len(c.payees))]
            elif tx_type == "payment":
                local = channel == "pos" or u_payee < 0.3
                shops = c.county.merchants if local else online
                counterparty = shops[int(u_payee * len(shops)) % len(shops)]
            elif tx_type == "bill_payment":
                counterparty = c.county.utility
            else:
                counterparty = None
            if channel in ("mobile", "online") and u_login < LOGIN_BEFORE_TX:
                if u_login < LOGIN_BEFORE_TX * LOGIN_FAILURE:
                    sink.event(t - login_gap[k] - 30_000, c, account, "login_failure", channel, device, geo, ip)
                sink.event(t - login_gap[k], c, account, "login_success", channel, device, geo, ip)
            value = sink.tx(t, c, account, channel, tx_type, amounts_l[k], counterparty, device, geo, ip,
                            region)
            if u_label < label_rate:
                sink.label(value, t, GENUINE)
            elif u_label < label_rate + complaints:
                sink.label(value, t, FALSE_COMPLAINT)
        return n
