"""A second world of another shape: card payments at merchant terminals.

Where the bank world (`sim.engine`) is e-banking with devices, payee accounts and transfers of thousands,
this one is what a card issuer's core system exports: integer card, customer, terminal and transaction
numbers, naive local times, no device or location (only the terminal's county), small amounts (tens of
CNY, a few thousand at most) and three fraud patterns of its own (`names.CARD_SCENARIO_WEIGHTS`).

`simulate(SimConfig(world="cards"))` yields it in our schema; `export.write_card_export` writes the same
traffic as the foreign files a bank would hand over (CSV with integer ids and naive times, a labels CSV
whose verdicts arrive about a week late, and the mapping file that imports them).
"""
