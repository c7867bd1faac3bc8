"""Optional dependencies: imported where used, and named with the extra that brings them when missing.

The worker's image installs the runtime core only; charts (matplotlib) and Parquet (pyarrow) come with
`pip install 'fraudstream[tools]'` (`make install` has them). This sits in the bottom layer so every
package can import its optional modules the same way.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from schemas.exceptions import ExtraMissingError

EXTRA_OF = {"matplotlib": "tools", "pyarrow": "tools"}


def import_extra(module: str, purpose: str) -> ModuleType:
    """`module` imported, or an `ExtraMissingError` saying which extra to install for `purpose`.

    >>> import_extra("json", "a doctest").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise extra_missing(module, purpose) from err


def extra_missing(module: str, purpose: str | None = None) -> ExtraMissingError:
    """The error for an optional `module` that is not installed, naming the extra that brings it."""
    top = module.split(".")[0]
    needs = f"{purpose} needs {top}, which is not installed" if purpose else f"{top} is not installed"
    return ExtraMissingError(f"{needs}: pip install 'fraudstream[{EXTRA_OF.get(top, 'tools')}]'")
