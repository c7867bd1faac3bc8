"""Model keys on the control topic: a model artifact's key (`name/version`, what decisions record as
`model_version`) is not a legal control version (no '/'), so the control version is `name:version`;
`control_version`/`model_key` convert both ways so an operator may type either form. `NO_MODEL` is the
pointer version that removes a model. Pure string mapping, shared by training (policy labels) and the
control plane (`app/control/model_deploy.py`).
"""

from __future__ import annotations

NO_MODEL = "none"


def control_version(key: str) -> str:
    """`name/version` (or already `name:version`, or `none`) → the control-topic version."""
    return key if key == NO_MODEL else key.replace("/", ":", 1)


def model_key(version: str) -> str | None:
    """Control version → the `model_version` decisions will carry (None for `none`)."""
    return None if version == NO_MODEL else version.replace(":", "/", 1)
