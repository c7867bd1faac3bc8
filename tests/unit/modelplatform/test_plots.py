import numpy as np

from modelplatform.plots import plot_curves


def test_curves_are_written_as_png(tmp_path):
    y = np.array([1, 0, 1, 0, 0, 1])
    scores = {"model": np.array([0.9, 0.2, 0.7, 0.3, 0.1, 0.6]), "rules": np.array([0.5, 0.5, 0.1, 0.9, 0.2, 0.3])}
    path = plot_curves(y, scores, tmp_path / "c.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
