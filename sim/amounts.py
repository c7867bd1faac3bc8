"""CNY amounts: log-normal per (channel, type), the shape card and transfer amounts really have.

Medians are rural-branch scale: small POS and QuickPay purchases, transfers of hundreds to a few thousand,
cash withdrawals in hundreds, loans in tens of thousands.
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("mobile", "online", "quickpay", "counter", "atm", "pos")
TX_TYPES = ("transfer", "payment", "withdrawal", "bill_payment", "loan_drawdown", "loan_repayment")
CH = {name: i for i, name in enumerate(CHANNELS)}
TY = {name: i for i, name in enumerate(TX_TYPES)}

# P(type | channel): rows follow CHANNELS, columns TX_TYPES.
TYPE_GIVEN_CHANNEL = np.array([
    [0.50, 0.20, 0.00, 0.18, 0.04, 0.08],  # mobile
    [0.60, 0.20, 0.00, 0.15, 0.00, 0.05],  # online
    [0.00, 0.90, 0.00, 0.10, 0.00, 0.00],  # quickpay
    [0.30, 0.00, 0.50, 0.03, 0.05, 0.12],  # counter
    [0.10, 0.00, 0.90, 0.00, 0.00, 0.00],  # atm
    [0.00, 1.00, 0.00, 0.00, 0.00, 0.00],  # pos
])
TYPE_CUM = np.cumsum(TYPE_GIVEN_CHANNEL, axis=1)

# (median CNY, sigma of log) per type, with per-channel overrides where behaviour differs.
_BY_TYPE = {"transfer": (800.0, 1.3), "payment": (60.0, 1.1), "withdrawal": (1500.0, 0.9),
            "bill_payment": (120.0, 0.8), "loan_drawdown": (30000.0, 0.8), "loan_repayment": (3000.0, 0.9)}
_OVERRIDES = {("online", "transfer"): (1500.0, 1.3), ("counter", "transfer"): (3000.0, 1.2),
              ("atm", "withdrawal"): (800.0, 0.8), ("atm", "transfer"): (1000.0, 1.0), ("pos", "payment"): (90.0, 1.0),
              ("quickpay", "payment"): (45.0, 1.2)}
MU = np.zeros((len(CHANNELS), len(TX_TYPES)))
SIGMA = np.ones((len(CHANNELS), len(TX_TYPES)))
for (_c, _t), (_median, _sigma) in {**{(c, t): v for c in CHANNELS for t, v in _BY_TYPE.items()}, **_OVERRIDES}.items():
    MU[CH[_c], TY[_t]], SIGMA[CH[_c], TY[_t]] = np.log(_median), _sigma

MAX_GENUINE_CNY = 2_000_000.0


def sample_amounts(rng: np.random.Generator, channels: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Amounts in CNY rounded to fen; ATM cash comes in 100-yuan notes, at most 20 000 a go."""
    raw = np.exp(MU[channels, types] + SIGMA[channels, types] * rng.standard_normal(len(channels)))
    atm_cash = (channels == CH["atm"]) & (types == TY["withdrawal"])
    raw = np.where(atm_cash, np.clip(np.round(raw / 100.0) * 100.0, 100.0, 20_000.0), raw)
    return np.round(np.clip(raw, 0.5, MAX_GENUINE_CNY), 2)


def sample_type(rng: np.random.Generator, channels: np.ndarray) -> np.ndarray:
    u = rng.random(len(channels))
    return np.minimum((u[:, None] > TYPE_CUM[channels]).sum(axis=1), len(TX_TYPES) - 1)


def fmt(amount: float) -> str:
    """Exact two-decimal string: the Transaction schema takes amounts as decimals, never floats."""
    return f"{amount:.2f}"


def one_amount(rng: np.random.Generator, median: float, sigma: float, cap: float = 1_000_000.0) -> float:
    """A single log-normal amount in CNY (fraud scenarios draw theirs one at a time)."""
    return round(min(cap, max(1.0, median * float(np.exp(sigma * rng.standard_normal())))), 2)
