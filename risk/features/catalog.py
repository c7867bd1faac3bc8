"""The feature catalogue: every name a rule or a model may read, with its type and meaning.

Names are `<entity>.<feature>`; `tx.*` come from the transaction itself, the others from the stage that
owns that entity's state. Windows are event-time, half-open and bucketed: `_5m`/`_1h` count minute
buckets, `_24h` hour buckets, `_7d`/`_30d` day buckets, each ending with the bucket holding the event.
"Before this transaction" is the rule: a transaction's own contribution is never in its own features,
except for counts/sums, which include it (so `tx_count_1h >= 5` means "this is at least the 5th").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DType = Literal["float", "int", "bool", "str"]

WINDOWS_MS: dict[str, int] = {
    "5m": 5 * 60_000,
    "1h": 60 * 60_000,
    "24h": 24 * 3_600_000,
    "7d": 7 * 86_400_000,
    "30d": 30 * 86_400_000,
}
SMALL_AMOUNT_CNY = 10.0  # card-testing threshold behind `account.small_tx_count_1h`
AMOUNT_MEMORY = 64  # amounts an account remembers for `account.amount_pct_30d`
_ABSENT_BY_DTYPE: dict[str, object] = {"int": 0, "float": 0.0, "bool": False}


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    dtype: DType
    description: str
    nullable: bool = False

    @property
    def entity(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def absent_value(self) -> object:
        """The value when the transaction has no such entity (no device, payee or location): None for a
        nullable feature, else nothing counted: 0, 0.0 or False. A text feature must be nullable."""
        if self.nullable:
            return None
        if self.dtype not in _ABSENT_BY_DTYPE:
            raise ValueError(f"{self.name} is a non-nullable {self.dtype}: it has no absent value")
        return _ABSENT_BY_DTYPE[self.dtype]


def _spec(name: str, dtype: DType, description: str, nullable: bool = False) -> FeatureSpec:
    return FeatureSpec(name, dtype, description, nullable)


def _label_specs(entity: str, where: str) -> list[FeatureSpec]:
    """Label-fed risk (`risk.features.labels`): verdicts counted from when they were confirmed, never earlier."""
    return [
        _spec(f"{entity}.fraud_count_1d", "int", f"confirmed frauds {where} whose verdict came in the last 1d"),
        _spec(f"{entity}.fraud_count_7d", "int", f"confirmed frauds {where} whose verdict came in the last 7d"),
        _spec(f"{entity}.fraud_count_30d", "int", f"confirmed frauds {where} whose verdict came in the last 30d"),
        *[_spec(f"{entity}.fraud_rate_{w}", "float", f"fraud share of the verdicts {where} from the last {w}",
                nullable=True) for w in ("1d", "7d", "30d")],
        _spec(f"{entity}.days_since_fraud", "float",
              f"days since the newest confirmed fraud {where} became known (remembered verdicts only)",
              nullable=True),
    ]


_TX = [
    _spec("tx.amount", "float", "amount in the transaction currency"),
    _spec("tx.channel", "str", "mobile, online, quickpay, counter, atm, pos, api"),
    _spec("tx.tx_type", "str", "transfer, payment, withdrawal, deposit, loan_drawdown, loan_repayment, bill_payment"),
    _spec("tx.currency", "str", "ISO 4217 code"),
    _spec("tx.hour", "int", "hour of day (0-23) in the bank's time zone"),
    _spec("tx.is_cross_border", "bool", "counterparty country is not CN"),
    _spec("tx.is_other_bank", "bool", "counterparty is at another bank"),
    _spec("tx.counterparty_bank", "str", "counterparty bank code", nullable=True),
    _spec("tx.counterparty_kind", "str", "account or merchant", nullable=True),
    _spec("tx.customer_age", "int", "customer's age in years", nullable=True),
    _spec("tx.has_device", "bool", "a device fingerprint came with the transaction"),
    _spec("tx.has_geo", "bool", "a location came with the transaction"),
    _spec("tx.account_id", "str", "paying account"),
    _spec("tx.customer_id", "str", "customer owning the account"),
    _spec("tx.device_id", "str", "device fingerprint", nullable=True),
    _spec("tx.counterparty_id", "str", "payee account or merchant id", nullable=True),
    _spec("tx.ip", "str", "client IP address", nullable=True),
    _spec("tx.branch_path", "str", "province/city/county[/outlet]"),
]

_ACCOUNT = (
    [_spec(f"account.tx_count_{w}", "int", f"transactions of the account in the last {w}, this one included")
     for w in WINDOWS_MS]
    + [_spec(f"account.amount_sum_{w}", "float", f"amount sum of the account in the last {w}, this one included")
       for w in WINDOWS_MS]
    + [
        _spec("account.amount_max_24h", "float", "largest amount in the last 24h before this one", nullable=True),
        _spec("account.amount_max_30d", "float", "largest amount in the last 30d before this one", nullable=True),
        _spec("account.amount_mean_30d", "float", "mean amount over the last 30d before this one", nullable=True),
        _spec("account.amount_std_30d", "float", "amount standard deviation, last 30d before this one",
              nullable=True),
        _spec("account.amount_zscore_30d", "float", "(amount - mean) / std of the last 30d", nullable=True),
        _spec("account.amount_ratio_mean_30d", "float", "amount / mean of the last 30d", nullable=True),
        _spec("account.amount_ratio_max_30d", "float", "amount / largest amount of the last 30d", nullable=True),
        _spec("account.amount_pct_30d", "float",
              f"share of the account's last 30d amounts (up to {AMOUNT_MEMORY} remembered) below this one",
              nullable=True),
        _spec("account.small_tx_count_1h", "int", f"transactions of at most {SMALL_AMOUNT_CNY:g} in the last 1h"),
        _spec("account.distinct_devices_24h", "int", "distinct devices used in the last 24h, this one included"),
        _spec("account.distinct_devices_30d", "int", "distinct devices used in the last 30d, this one included"),
        _spec("account.distinct_payees_24h", "int", "distinct payees in the last 24h, this one included"),
        _spec("account.distinct_payees_7d", "int", "distinct payees in the last 7d, this one included"),
        _spec("account.distinct_merchants_24h", "int", "distinct merchants paid in the last 24h, this one included"),
        _spec("account.distinct_p2p_payees_24h", "int",
              "distinct person-to-person payees (not merchants) in the last 24h, this one included"),
        _spec("account.distinct_p2p_payees_7d", "int",
              "distinct person-to-person payees (not merchants) in the last 7d, this one included"),
        _spec("account.distinct_cells_24h", "int", "distinct location cells in the last 24h, this one included"),
        _spec("account.distinct_regions_24h", "int",
              "distinct region codes (counties) in the last 24h, this one included"),
        _spec("account.is_new_device", "bool", "device not seen on this account in the last 30d"),
        _spec("account.is_new_payee", "bool", "payee not paid by this account in the last 30d"),
        _spec("account.is_new_merchant", "bool", "merchant not paid by this account in the last 30d"),
        _spec("account.is_new_cell", "bool", "location cell not seen for this account in the last 30d"),
        _spec("account.is_new_region", "bool",
              "region code (county) not seen for this account in the last 30d: a card used in another county"),
        _spec("account.minutes_since_last_tx", "float", "minutes since the previous transaction", nullable=True),
        _spec("account.days_since_last_tx", "float", "days since the previous transaction (dormancy)",
              nullable=True),
        _spec("account.distance_from_last_km", "float", "km from the last located activity", nullable=True),
        _spec("account.travel_speed_kmh", "float", "speed needed from the last located activity", nullable=True),
        _spec("account.login_failures_1h", "int", "failed logins in the last 1h"),
        _spec("account.login_failures_24h", "int", "failed logins in the last 24h"),
    ]
    + [_spec(f"account.minutes_since_{kind}", "float", f"minutes since the last {kind.replace('_', ' ')} event",
             nullable=True)
       for kind in ("password_reset", "phone_changed", "device_bound", "payee_added", "limit_changed",
                    "login_failure", "login_success")]
)

def _shared_entity_specs(entity: str, users: str, *, noun: str, via: str, at: str,
                         users_text: str) -> list[FeatureSpec]:
    """An entity many accounts share (`risk.features.entities.SharedEntityStage`): first sighting,
    velocity, and how many accounts use it, `<entity>.distinct_<users>_{1h,24h,7d}`."""
    return [
        _spec(f"{entity}.is_new", "bool", f"{noun} never seen before with any account (30d memory)"),
        _spec(f"{entity}.days_since_first_seen", "float", f"days since the {noun} was first seen", nullable=True),
        *(_spec(f"{entity}.tx_count_{w}", "int", f"transactions {via} in the last {w}, this one included")
          for w in ("1h", "24h")),
        _spec(f"{entity}.amount_sum_24h", "float", f"amount {via} in the last 24h, this one included"),
        *(_spec(f"{entity}.distinct_{users}_{w}", "int", f"{users_text} in the last {w}, this one included")
          for w in ("1h", "24h", "7d")),
        _spec(f"{entity}.new_{users}_1h", "int",
              f"{users_text} in the last 1h that were new to the {noun} (none in the 30d before), this one included"),
        *_label_specs(entity, at),
    ]


_DEVICE = _shared_entity_specs("device", "accounts", noun="device", via="from the device", at="on the device",
                               users_text="accounts using the device")

_LOCATION = [
    _spec("location.cell", "str", "location cell id (about 1 km grid, or region code)", nullable=True),
    _spec("location.tx_count_1h", "int", "transactions in the cell in the last 1h, this one included"),
    _spec("location.distinct_accounts_1h", "int", "accounts active in the cell in the last 1h"),
    _spec("location.distinct_accounts_24h", "int", "accounts active in the cell in the last 24h"),
    _spec("location.distinct_devices_24h", "int", "devices active in the cell in the last 24h"),
    *_label_specs("location", "in the cell"),
]

_COUNTERPARTY = _shared_entity_specs("counterparty", "senders", noun="payee", via="to the payee",
                                     at="to the payee", users_text="distinct senders")

FEATURES: dict[str, FeatureSpec] = {spec.name: spec for spec in [*_TX, *_ACCOUNT, *_DEVICE, *_LOCATION, *_COUNTERPARTY]}


def names_for(entity: str) -> list[str]:
    return [name for name, spec in FEATURES.items() if spec.entity == entity]


def absent_values(entity: str) -> dict[str, object]:
    """What a stage emits for a transaction without that entity, in catalogue order."""
    return {name: FEATURES[name].absent_value for name in names_for(entity)}
