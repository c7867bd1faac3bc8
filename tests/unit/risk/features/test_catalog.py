from risk.features.account import AccountStage
from risk.features.catalog import FEATURES, names_for
from risk.features.common import StageConfig
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from risk.features.stage import run_stage
from risk.features.transaction import tx_features

from .factories import tx

PY_TYPES = {"float": (float, int), "int": (int,), "bool": (bool,), "str": (str,)}


def test_every_stage_emits_exactly_its_catalogue_names_with_declared_types():
    produced = dict(tx_features(tx(1), 480))
    for stage in (AccountStage(), DeviceStage(), LocationStage(), CounterpartyStage()):
        outcome = run_stage(stage, None, tx(1), "s:0:1", StageConfig())
        assert sorted(outcome.features) == sorted(names_for(stage.name))
        produced.update(outcome.features)
    assert sorted(produced) == sorted(FEATURES)
    for name, value in produced.items():
        spec = FEATURES[name]
        assert (value is None and spec.nullable) or isinstance(value, PY_TYPES[spec.dtype]), name


def test_absent_entities_emit_the_same_names():
    for stage in (DeviceStage(), LocationStage(), CounterpartyStage()):
        assert sorted(stage.absent(tx(1))) == sorted(names_for(stage.name))


def test_local_hour_uses_the_bank_zone():
    assert tx_features(tx(1, at=0), 480)["tx.hour"] == 8
