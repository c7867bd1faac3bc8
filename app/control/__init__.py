"""Control plane: rulesets, policies and models travel on a compacted Kafka topic, signed, versioned."""

from app.control.holder import StrategyHolder
from app.control.plane import ControlPlane

__all__ = ["ControlPlane", "StrategyHolder"]
