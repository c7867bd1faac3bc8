"""Branch scopes: an API key sees one subtree of the org (province → city → county → outlet).

A branch path is `44/4401/440106[/0012]` (`schemas.common.Branch.path`); a scope is a prefix of whole
segments (`44`, `44/4401`) or `*` for the whole bank. `44/44` does not cover `44/4401`: segments compare whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.exceptions import OutOfScope, QueryInvalid

ALL = "*"
_PATH = re.compile(r"^[0-9A-Za-z_-]{1,16}(/[0-9A-Za-z_-]{1,16}){0,3}$")


def parse_path(text: str) -> str:
    """A branch path or scope as typed by a person (surrounding slashes tolerated), checked."""
    path = text.strip().strip("/")
    if not _PATH.match(path):
        raise QueryInvalid(f"branch {text!r} is not a path like 44/4401/440106 (1-4 codes of [0-9A-Za-z_-])")
    return path


@dataclass(frozen=True)
class Scope:
    """`prefix=None` is the whole bank."""

    prefix: str | None

    @classmethod
    def parse(cls, text: str) -> Scope:
        return cls(None) if text.strip() == ALL else cls(parse_path(text))

    def __str__(self) -> str:
        return self.prefix or ALL

    def covers(self, branch_path: str) -> bool:
        if self.prefix is None:
            return True
        return branch_path == self.prefix or branch_path.startswith(self.prefix + "/")

    def narrow(self, branch: str | None) -> Scope:
        """The subtree a query asks for, which must lie inside this scope (else 403)."""
        if branch is None:
            return self
        wanted = Scope.parse(branch)
        if wanted.prefix is None or not self.covers(wanted.prefix):
            raise OutOfScope(f"branch {wanted} is outside this key's scope {self}")
        return wanted


def key_range(prefix: str) -> tuple[str, str]:
    """`[low, high)` bounds of the paths strictly below `prefix` in byte order: an index range scan
    instead of LIKE ('/' sorts just before '0', and no path character lies between them)."""
    return prefix + "/", prefix + "0"
