"""The card world's fraud patterns by name (kept apart so `sim.config` can validate without a cycle)."""

# Weights draw cases, not transactions: a compromised terminal makes ten to fifty transactions per case.
CARD_SCENARIO_WEIGHTS: dict[str, float] = {
    "card_testing": 0.4,  # a leaked card number probed with tiny online payments, then spent
    "compromised_terminal": 0.15,  # a bust-out merchant's terminal charges many strangers' cards in hours
    "lost_card_spree": 0.45,  # a stolen card spent fast at new terminals in another county
}
