"""Someone else gets into the account: takeover, SIM swap, a dormant account woken up."""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.geo import jitter
from sim.population import Customer
from sim.world import World


def _gap(rng: np.random.Generator, low_s: float, high_s: float) -> int:
    return int(rng.uniform(low_s, high_s) * 1000)


def _drain(world: World, rng: np.random.Generator, t: int, cust: Customer, account: str, channel: str,
           device: str, geo: dict, ip: str, region: str | None, payees: list[dict], scenario: str,
           median: float) -> int:
    """Transfers out to the fraudster's payees, minutes apart; every one labelled."""
    n = int(rng.integers(2, 6))
    for k in range(n):
        t += _gap(rng, 30, 600)
        tx = world.sink.tx(t, cust, account, channel, "transfer", one_amount(rng, median, 0.6, 200_000),
                           payees[k % len(payees)], device, geo, ip, region)
        world.sink.label(tx, t, scenario)
    return n


def account_takeover(world: World, rng: np.random.Generator, t0: int) -> int:
    """Stolen credentials: failed logins, a password reset and/or a new device, from a new place; then drain."""
    sink, c = world.sink, world.customer(rng, "device")
    account = c.accounts[0]
    place = world.far_place(rng)
    geo, ip, device = jitter(rng, place.lat, place.lon, 3.0), world.fraud_ip(rng), world.new_device()
    t = t0
    for _ in range(int(rng.integers(0, 4))):
        sink.event(t, c, account, "login_failure", "mobile", device, geo, ip)
        t += _gap(rng, 10, 120)
    style = rng.random()
    if style < 0.7:
        sink.event(t, c, account, "password_reset", "mobile", device, geo, ip)
        t += _gap(rng, 30, 300)
    if style >= 0.3:
        sink.event(t, c, account, "device_bound", "mobile", device, geo, ip)
        t += _gap(rng, 5, 60)
    sink.event(t, c, account, "login_success", "mobile", device, geo, ip)
    payees = [world.mule_payee(rng) for _ in range(int(rng.integers(1, 3)))]
    for payee in payees:
        t += _gap(rng, 20, 180)
        sink.event(t, c, account, "payee_added", "mobile", device, geo, ip, payee_id=payee["id"])
    median = 20_000
    if world.evasive(rng):  # waits out the "soon after a reset" window, then takes less
        t += _gap(rng, 2 * 3600, 8 * 3600)
        median = 5_000
    return _drain(world, rng, t, c, account, "mobile", device, geo, ip, place.region_code, payees,
                  "account_takeover", median)


def sim_swap(world: World, rng: np.random.Generator, t0: int) -> int:
    """The phone number is moved to the fraudster's SIM; SMS codes then open the account to them."""
    sink, c = world.sink, world.customer(rng, "device")
    account = c.accounts[0]
    county = world.pop.counties[int(rng.integers(len(world.pop.counties)))]
    geo, ip, device = jitter(rng, county.lat, county.lon, 5.0), world.fraud_ip(rng), world.new_device()
    sink.event(t0, c, account, "phone_changed", "online", None, geo, ip)
    t = t0 + _gap(rng, 300, 3600)
    sink.event(t, c, account, "password_reset", "mobile", device, geo, ip)
    t += _gap(rng, 30, 300)
    sink.event(t, c, account, "device_bound", "mobile", device, geo, ip)
    t += _gap(rng, 10, 60)
    sink.event(t, c, account, "login_success", "mobile", device, geo, ip)
    payees = [world.mule_payee(rng) for _ in range(int(rng.integers(1, 3)))]
    channel = "quickpay" if rng.random() < 0.3 else "mobile"
    return _drain(world, rng, t, c, account, channel, device, geo, ip, county.code, payees, "sim_swap", 15_000)


def dormant_reactivation(world: World, rng: np.random.Generator, t0: int) -> int:
    """An account silent for months comes alive on a new device and is emptied."""
    sink, c = world.sink, world.customer(rng, "dormant")
    account = c.accounts[0]
    place = world.far_place(rng, abroad=False) if rng.random() < 0.5 else None
    lat, lon = (place.lat, place.lon) if place else (c.county.lat, c.county.lon)
    geo, ip, device = jitter(rng, lat, lon, 3.0), world.fraud_ip(rng), world.new_device()
    sink.event(t0, c, account, "device_bound", "mobile", device, geo, ip)
    t = t0 + _gap(rng, 5, 60)
    sink.event(t, c, account, "login_success", "mobile", device, geo, ip)
    payees = [world.mule_payee(rng)]
    region = place.region_code if place else c.county.code
    return _drain(world, rng, t, c, account, "mobile", device, geo, ip, region, payees, "dormant_reactivation",
                  12_000)
