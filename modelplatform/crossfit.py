"""Out-of-fold model scores on the training window, and the rules+model combiner fitted on them.

The combiner (`risk.policy.combine`) needs model scores the model did not train on. A validation week
just before the split is a poor source: its labels are only as mature as the split (chargebacks and
mule verdicts take weeks), so its "genuine" rows hold much of its fraud and the fit follows noise.
Cross-fitting uses every training row instead: the accounts are dealt into folds, each fold is scored
by a model trained on the other folds, and the combiner is fitted on those held-out scores with the
same labels the final model trains on. Folds are whole accounts, so no account's own history leaks
into its held-out score; assignment is a hash of the account id, the same on every run and machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import structlog

from modelplatform.combiner import fit_combiner
from modelplatform.dataset import NO_LIMIT_MS, LabelledSet
from modelplatform.exceptions import TrainingError
from modelplatform.pipeline import score_set
from modelplatform.records import ms_to_iso
from modelplatform.train import LgbmParams, train_lgbm
from risk.policy import Combiner

log = structlog.get_logger(__name__)

DEFAULT_FOLDS = 4


def _when(ms: int) -> str:
    """ISO time for a card, or "open" for an unbounded end of a window."""
    return "open" if abs(ms) >= NO_LIMIT_MS else ms_to_iso(ms)


def account_folds(account_ids: Sequence[str] | np.ndarray, folds: int) -> np.ndarray:
    """Fold number per row: crc32 of the account id modulo `folds` (stable, no RNG state)."""
    if folds < 2:
        msg = f"cross-fitting needs at least 2 folds, got {folds}"
        raise TrainingError(msg)
    return np.fromiter((zlib.crc32(str(a).encode()) % folds for a in account_ids), dtype=np.int64,
                       count=len(account_ids))


def out_of_fold_scores(ds: LabelledSet, *, feature_names: Sequence[str], params: LgbmParams = LgbmParams(),
                       folds: int = DEFAULT_FOLDS) -> np.ndarray:
    """Each row scored by a LightGBM trained on the other folds' accounts (same settings as the model)."""
    fold = account_folds(ds.account_ids, folds)
    scores = np.full(len(ds), np.nan)
    for k in range(folds):
        held_out = fold == k
        if not held_out.any():
            continue
        model = train_lgbm(ds.subset(~held_out), name="crossfit", version=str(k), feature_names=feature_names,
                           params=params, created_at_ms=0)
        scores[held_out] = score_set(model, ds.subset(held_out))
    log.info("crossfit.scored", rows=len(ds), folds=folds)
    return scores


def cross_fitted_combiner(ds: LabelledSet, *, feature_names: Sequence[str], params: LgbmParams = LgbmParams(),
                          folds: int = DEFAULT_FOLDS) -> Combiner:
    """The logistic combiner of rule score and model score, fitted on out-of-fold scores of `ds`."""
    scores = out_of_fold_scores(ds, feature_names=feature_names, params=params, folds=folds)
    return fit_combiner(ds.rule_score, scores, ds.y,
                        fitted_on=f"{folds}-fold out-of-fold scores (folds by account) on the training window "
                                  f"[{_when(ds.start_ms)}, {_when(ds.end_ms)}) with labels confirmed by "
                                  f"{_when(ds.cutoff_ms)}")
