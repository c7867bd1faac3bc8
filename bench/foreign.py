"""A "foreign" export for the import tests and the backtest bench: what a bank's core system writes, not
what we publish.

Integer ids, naive local times, merchant terminals instead of payee accounts, small amounts, enum values
in capitals, and a labels file whose verdicts arrive seven days late. Fraud: a few cards are compromised
and drained at one terminal, night-time, in larger amounts than their habit. Deterministic per seed.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

START = datetime(2025, 3, 1)  # naive: China local time
LABEL_DELAY = timedelta(days=7)

MAPPING = """\
timezone: Asia/Shanghai
key: account_id
timestamp: event_time
fields:
  txn_no: transaction_id
  cust_no: [account_id, customer_id]      # one column, two fields
  txn_time: event_time
  amt: amount
  terminal_id: counterparty.id
  chnl: channel
  prov: branch.province
  city: branch.city
  county: branch.county
constants:
  tx_type: payment
  counterparty.kind: merchant
labels:
  fields:
    txn_no: transaction_id
    fraud_flag: {to: is_fraud, type: bool}
    confirm_time: confirmed_at
    fraud_type: scenario
  constants:
    source: complaint
"""


@dataclass(frozen=True)
class ForeignFiles:
    transactions: Path
    labels: Path
    mapping: Path
    rows: int
    frauds: int


def write_foreign(folder: Path, *, cards: int = 60, days: int = 6, per_day: int = 3, seed: int = 1,
                  fraud_cards: float = 0.1) -> ForeignFiles:
    """Write transactions.csv, labels.csv and mapping.yaml into `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    terminals = [70_000 + i for i in range(max(cards // 3, 5))]
    rows: list[dict[str, object]] = []
    fraud_rows: list[dict[str, object]] = []
    compromised = set(rng.sample(range(cards), max(1, int(cards * fraud_cards))))
    drain_day = {card: rng.randrange(1, days) for card in compromised}
    number = 1_000_000
    for day in range(days):
        for card in range(cards):
            habit = 20 + card % 50
            for _ in range(rng.randint(max(per_day - 2, 0), per_day + 2)):
                number += 1
                when = START + timedelta(days=day, seconds=rng.randrange(8 * 3600, 22 * 3600))
                rows.append(_row(number, card, when, round(rng.uniform(0.2, 2.0) * habit, 2),
                                 rng.choice(terminals[:12] if card % 2 else terminals)))
            if drain_day.get(card) == day:
                bad_terminal = terminals[-1]
                for hit in range(rng.randint(3, 6)):
                    number += 1
                    when = START + timedelta(days=day, hours=2, minutes=7 * hit)
                    fraud = _row(number, card, when, round(habit * rng.uniform(8, 15), 2), bad_terminal)
                    rows.append(fraud)
                    fraud_rows.append(fraud)
    rows.sort(key=lambda r: (r["txn_time"], r["txn_no"]))
    _write_csv(folder / "transactions.csv", rows)
    labels = [{"txn_no": r["txn_no"], "fraud_flag": 1, "fraud_type": "terminal_drain",
               "confirm_time": _naive(datetime.fromisoformat(str(r["txn_time"])) + LABEL_DELAY)} for r in fraud_rows]
    labels.sort(key=lambda r: str(r["confirm_time"]))
    _write_csv(folder / "labels.csv", labels)
    (folder / "mapping.yaml").write_text(MAPPING)
    return ForeignFiles(folder / "transactions.csv", folder / "labels.csv", folder / "mapping.yaml", len(rows),
                        len(fraud_rows))


def _row(number: int, card: int, when: datetime, amount: float, terminal: int) -> dict[str, object]:
    return {"txn_no": number, "cust_no": 5_000_000 + card, "txn_time": _naive(when), "amt": amount,
            "terminal_id": terminal, "chnl": "POS", "prov": 44, "city": 4401, "county": 440106}


def _naive(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/export")
    made = write_foreign(target, cards=int(sys.argv[2]) if len(sys.argv) > 2 else 300, days=28, fraud_cards=0.1)
    print(f"wrote {made.rows} transactions ({made.frauds} fraud) to {made.transactions}, labels to {made.labels}, "
          f"mapping to {made.mapping}")
