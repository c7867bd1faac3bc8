import json

from modelplatform.card import ModelCard
from modelplatform.pipeline import train_and_register

from .conftest import SMALL_LGBM


def _result(split):
    return train_and_register(split, name="m", version="1", registry=None, params=SMALL_LGBM)


def test_card_json_holds_the_metrics_of_every_score(interaction_split):
    result = _result(interaction_split)
    card = json.loads(result.card.to_json())
    assert set(card["metrics"]) == {"model", "baseline", "rules", "combined"}
    assert card["metrics"]["model"]["auc"] == result.evaluation.metrics["model"].auc


def test_card_markdown_shows_metrics_checksum_and_cutoff(interaction_split):
    result = _result(interaction_split)
    text = result.card.to_markdown()
    auc = f"{result.evaluation.metrics['model'].auc:.4f}"
    assert auc in text and result.model.manifest.checksum in text and "label_cutoff: 2024-05-08" in text


def test_card_json_round_trips(interaction_split):
    card = _result(interaction_split).card
    assert ModelCard.from_json(card.to_json()) == card


def test_artifact_manifest_carries_the_evaluation_metrics(interaction_split):
    result = _result(interaction_split)
    assert result.model.manifest.metrics["eval.model.auc"] == result.evaluation.metrics["model"].auc
