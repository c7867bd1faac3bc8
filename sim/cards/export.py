"""The card world as a bank's export: integer ids, naive local times, a labels file, and the mapping.

The files are what `fraudstream backtest/model history --input transactions.csv --mapping mapping.yaml
--labels labels.csv` import; they hold exactly the records `simulate(SimConfig(world="cards"))` yields, so
a history built from the files and one built from the simulation must agree.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sim.config import SimConfig
from sim.engine import simulate

TRANSACTIONS, LABELS, MAPPING_FILE = "transactions.csv", "labels.csv", "mapping.yaml"
TX_COLUMNS = ("txn_no", "card_no", "cust_no", "txn_time", "amt", "terminal_id", "chnl", "prov", "city", "county",
              "term_county", "cust_age")
LABEL_COLUMNS = ("txn_no", "card_no", "terminal_id", "fraud_flag", "confirm_time", "fraud_type")
CHANNEL_CODES = {"pos": "POS", "online": "ONLINE"}

MAPPING = """\
# The card world's export (sim/cards/export.py) onto the transaction and label schemas.
timezone: Asia/Shanghai          # txn_time and confirm_time are naive China local times
key: account_id
timestamp: event_time
fields:
  txn_no: transaction_id         # integers: coerced to text
  card_no: account_id
  cust_no: customer_id
  txn_time: event_time
  amt: amount
  terminal_id: counterparty.id
  chnl: channel                  # POS / ONLINE
  prov: branch.province
  city: branch.city
  county: branch.county
  term_county: region_code       # the terminal's county; empty for online terminals
  cust_age: customer_age
constants:
  tx_type: payment
  currency: CNY
  counterparty.kind: merchant
labels:
  fields:
    txn_no: transaction_id
    card_no: account_id
    terminal_id: counterparty_id
    fraud_flag: {to: is_fraud, type: bool}
    confirm_time: confirmed_at
    fraud_type: scenario
  constants:
    source: chargeback
"""


@dataclass(frozen=True)
class CardExport:
    transactions: Path
    labels: Path
    mapping: Path
    rows: int
    fraud_labels: int


def naive_local(iso_text: str) -> str:
    """`2025-01-01T08:30:00.000+08:00` → `2025-01-01 08:30:00` (the zone dropped, as core systems do)."""
    return datetime.fromisoformat(iso_text).strftime("%Y-%m-%d %H:%M:%S")


def _tx_row(value: dict) -> dict[str, object]:
    branch = value["branch"]
    return {"txn_no": int(value["transaction_id"]), "card_no": int(value["account_id"]),
            "cust_no": int(value["customer_id"]), "txn_time": naive_local(value["event_time"]),
            "amt": value["amount"], "terminal_id": int(value["counterparty"]["id"]),
            "chnl": CHANNEL_CODES[value["channel"]], "prov": int(branch["province"]), "city": int(branch["city"]),
            "county": int(branch["county"]), "term_county": value["region_code"] or "",
            "cust_age": value["customer_age"]}


def _label_row(value: dict) -> dict[str, object]:
    return {"txn_no": int(value["transaction_id"]), "card_no": int(value["account_id"]),
            "terminal_id": int(value["counterparty_id"]), "fraud_flag": 1 if value["is_fraud"] else 0,
            "confirm_time": naive_local(value["confirmed_at"]), "fraud_type": value["scenario"] or ""}


def write_card_export(config: SimConfig, folder: Path) -> CardExport:
    """Simulate the card world for `config` and write transactions.csv, labels.csv and mapping.yaml."""
    if config.world != "cards":
        config = SimConfig(**{**config.__dict__, "world": "cards"})
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / TRANSACTIONS, folder / LABELS, folder / MAPPING_FILE
    rows = frauds = 0
    with paths[0].open("w", newline="", encoding="utf-8") as tx_out, \
            paths[1].open("w", newline="", encoding="utf-8") as label_out:
        tx_writer = csv.DictWriter(tx_out, fieldnames=TX_COLUMNS)
        label_writer = csv.DictWriter(label_out, fieldnames=LABEL_COLUMNS)
        tx_writer.writeheader()
        label_writer.writeheader()
        for record in simulate(config):
            if record.kind == "transaction":
                tx_writer.writerow(_tx_row(record.value))
                rows += 1
            elif record.kind == "label":
                label_writer.writerow(_label_row(record.value))
                frauds += bool(record.value["is_fraud"])
    paths[2].write_text(MAPPING, encoding="utf-8")
    return CardExport(*paths, rows=rows, fraud_labels=frauds)
