import json

from typer.testing import CliRunner

from modelplatform.cli import cli
from modelplatform.registry import Registry

RUNNER = CliRunner()


def _write(tmp_path, data):
    decisions, labels = tmp_path / "d.jsonl", tmp_path / "l.jsonl"
    decisions.write_text("\n".join(json.dumps(d) for d in data.decisions))
    labels.write_text("\n".join(json.dumps(x) for x in data.labels))
    return str(decisions), str(labels)


def test_train_registers_model_card_and_curves(tmp_path, interaction):
    d, lab = _write(tmp_path, interaction)
    root = tmp_path / "models"
    result = RUNNER.invoke(cli, ["train", "--decisions", d, "--labels", lab, "--split-time", "2024-05-08T00:00:00Z",
                                 "--cutoff", "2024-05-08T00:00:00Z", "--eval-cutoff", "2024-06-08T00:00:00Z",
                                 "--version", "v1", "--root", str(root), "--trees", "20", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "fraud-lgbm" / "v1").iterdir()) == [
        "artifact.json", "baseline.json", "card.json", "card.md", "curves.png"]


def test_evaluate_prints_metrics_of_a_registered_model(tmp_path, interaction, interaction_split):
    from modelplatform.pipeline import train_and_register

    from .conftest import SMALL_LGBM

    root = tmp_path / "models"
    train_and_register(interaction_split, name="m", version="1", registry=Registry(root), params=SMALL_LGBM)
    d, lab = _write(tmp_path, interaction)
    result = RUNNER.invoke(cli, ["evaluate", "--decisions", d, "--labels", lab, "--name", "m", "--version", "1",
                                 "--start", "2024-05-08T00:00:00Z", "--end", "2024-05-11T00:00:00Z",
                                 "--cutoff", "2024-06-08T00:00:00Z", "--root", str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"model", "baseline", "rules", "combined"}


def test_compare_reports_json(tmp_path, interaction):
    d, lab = _write(tmp_path, interaction)
    result = RUNNER.invoke(cli, ["compare", "--decisions", d, "--labels", lab, "--cutoff", "2024-06-08T00:00:00Z",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == len(interaction.decisions)


def test_list_shows_registered_versions_with_roles(tmp_path, interaction_split):
    from modelplatform.pipeline import train_and_register
    from modelplatform.registry import Role

    from .conftest import SMALL_LGBM

    registry = Registry(tmp_path)
    train_and_register(interaction_split, name="m", version="1", registry=registry, params=SMALL_LGBM)
    registry.set_pointer("m", Role.CHAMPION, "1")
    result = RUNNER.invoke(cli, ["list", "--root", str(tmp_path)])
    assert result.exit_code == 0 and "champion" in result.output and "lgbm" in result.output
