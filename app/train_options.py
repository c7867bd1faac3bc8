"""`model train`'s knobs from flags and a `model select` JSON: an explicit flag wins, and every place where
the two disagree is reported (the JSON used to override `--trees` and `--train-gap-days` silently)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.exceptions import SelectionFileError
from modelplatform.selection import read_settings
from modelplatform.train import LgbmParams


@dataclass(frozen=True)
class TrainFlags:
    """What the command line said; None = not given."""

    trees: int | None = None
    warmup_days: float | None = None
    label_delay_days: float | None = None


@dataclass(frozen=True)
class TrainKnobs:
    params: LgbmParams
    warmup_days: float
    label_delay_days: float
    conflicts: tuple[str, ...]  # one line per flag that overrode a different value in the JSON


def resolve(flags: TrainFlags, selection_json: str | None, source: str = "--settings") -> TrainKnobs:
    """Flags over the selection JSON over the defaults."""
    params, warmup, delay = LgbmParams(), 0.0, 0.0
    chosen: dict[str, float] = {}
    if selection_json is not None:
        try:
            params, warmup, delay = read_settings(selection_json)
        except (ValueError, KeyError, TypeError) as err:
            msg = f"{source} is not a `model select` JSON (with a 'settings' object): {err}"
            raise SelectionFileError(msg) from err
        chosen = {"--trees": params.num_trees, "--warmup-days": warmup, "--label-delay-days": delay}
    conflicts = [f"{flag} {value:g} wins over {chosen[flag]:g} from {source}"
                 for flag, value in (("--trees", flags.trees), ("--warmup-days", flags.warmup_days),
                                     ("--label-delay-days", flags.label_delay_days))
                 if value is not None and flag in chosen and float(value) != float(chosen[flag])]
    if flags.trees is not None:
        params = replace(params, num_trees=flags.trees)
    return TrainKnobs(params=params, warmup_days=warmup if flags.warmup_days is None else flags.warmup_days,
                      label_delay_days=delay if flags.label_delay_days is None else flags.label_delay_days,
                      conflicts=tuple(conflicts))
