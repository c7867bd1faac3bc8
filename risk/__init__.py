"""The pure domain core: features, rules, model and policy. Imports nothing from Kafka or Faust."""
