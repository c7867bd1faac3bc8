"""Who may do what: roles (analyst < supervisor < admin) and branch scopes, checked on every page and action.

>>> user = User("li", "analyst", Scope.parse("44/4401/440106"))
>>> user.sees("44/4401/440106/0012"), user.sees("44/4401/440107")
(True, False)
>>> user.has("supervisor")
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.console.exceptions import Forbidden
from service.scope import Scope

Role = Literal["analyst", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "supervisor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    scope: Scope

    def has(self, role: Role) -> bool:
        """At least `role`: a supervisor may do what an analyst may, an admin what a supervisor may."""
        return _RANK[self.role] >= _RANK[role]

    def sees(self, branch_path: str) -> bool:
        return self.scope.covers(branch_path)

    def require(self, role: Role) -> None:
        if not self.has(role):
            raise Forbidden(f"{self.username} is {self.role}; this needs {role}")

    def require_branch(self, branch_path: str) -> None:
        if not self.sees(branch_path):
            raise Forbidden(f"branch {branch_path} is outside {self.username}'s scope {self.scope}")


def parse_role(text: str) -> Role:
    for role in ROLES:
        if text == role:
            return role
    from service.console.exceptions import UserInvalid

    raise UserInvalid(f"role {text!r} is not one of {', '.join(ROLES)}")
