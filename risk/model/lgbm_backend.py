"""LightGBM scoring from its text model format, with a C-level single-row fast path.

Batch scoring uses `Booster.predict`. One event at a time, `Booster.predict` spends ~50 µs in Python
checks; LightGBM's `PredictForMatSingleRowFast` C entry point does the same computation in a few µs, so
`predict_row` uses it when the installed LightGBM exposes it and falls back to `Booster.predict` otherwise.
Both run the same trees on the same float32 input, so they agree (a test holds them together).
"""

from __future__ import annotations

import ctypes
import weakref
from typing import Any

import lightgbm as lgb
import numpy as np
import structlog

from risk.model.exceptions import ArtifactError, ModelError

log = structlog.get_logger(__name__)

_DTYPE_FLOAT32 = 0  # C_API_DTYPE_FLOAT32
_PREDICT_NORMAL = 0  # C_API_PREDICT_NORMAL: probabilities for a binary objective


class LgbmBackend:
    """A loaded booster; not thread-safe (the fast-path config is shared), like a Faust worker needs."""

    def __init__(self, model_text: str, feature_names: tuple[str, ...], num_threads: int = 1) -> None:
        self._params: dict[str, Any] = {"num_threads": num_threads, "verbose": -1}
        try:
            self._booster = lgb.Booster(model_str=model_text)
        except lgb.basic.LightGBMError as ex:
            msg = f"LightGBM payload does not load: {ex}"
            raise ArtifactError(msg) from ex
        model_names = tuple(self._booster.feature_name())
        if model_names != feature_names:
            msg = f"LightGBM model reads {list(model_names)}, manifest declares {list(feature_names)}"
            raise ArtifactError(msg)
        self._width = len(feature_names)
        self._fast = _FastRow.create(self._booster, self._width, num_threads)

    def predict_matrix(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.empty(0, dtype=np.float64)
        return np.asarray(self._booster.predict(x, num_iteration=-1, **self._params), dtype=np.float64)

    def predict_row(self, row: np.ndarray) -> float:
        if self._fast is not None:
            return self._fast.predict(row)
        return float(self.predict_matrix(row.reshape(1, -1))[0])


class _FastRow:
    """Owns a LightGBM FastConfig handle (freed with the object)."""

    def __init__(self, lib: Any, handle: ctypes.c_void_p, booster: lgb.Booster) -> None:
        self._lib = lib
        self._handle = handle
        self._booster = booster  # the config points into the booster: keep it alive
        self._out = np.zeros(1, dtype=np.float64)
        self._out_ptr = self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        self._out_len = ctypes.c_int64(0)
        weakref.finalize(self, _free, lib, handle, booster)  # booster outlives the handle

    @classmethod
    def create(cls, booster: lgb.Booster, width: int, num_threads: int) -> _FastRow | None:
        lib = getattr(lgb.basic, "_LIB", None)
        if lib is None or not hasattr(lib, "LGBM_BoosterPredictForMatSingleRowFastInit"):
            log.info("lgbm_fast_path_unavailable", lightgbm=lgb.__version__)
            return None
        handle = ctypes.c_void_p()
        params = f"num_threads={num_threads} verbose=-1".encode()
        rc = lib.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster._handle, ctypes.c_int(_PREDICT_NORMAL), ctypes.c_int(0), ctypes.c_int(-1),
            ctypes.c_int(_DTYPE_FLOAT32), ctypes.c_int32(width), ctypes.c_char_p(params), ctypes.byref(handle))
        if rc != 0:
            log.warning("lgbm_fast_path_init_failed", rc=rc)
            return None
        return cls(lib, handle, booster)

    def predict(self, row: np.ndarray) -> float:
        row = np.ascontiguousarray(row, dtype=np.float32)
        rc = self._lib.LGBM_BoosterPredictForMatSingleRowFast(
            self._handle, row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(self._out_len), self._out_ptr)
        if rc != 0:
            msg = f"LightGBM single-row prediction failed (rc={rc}): {self._lib.LGBM_GetLastError()!r}"
            raise ModelError(msg)
        return float(self._out[0])


def _free(lib: Any, handle: ctypes.c_void_p, booster: lgb.Booster) -> None:
    lib.LGBM_FastConfigFree(handle)
    del booster
