"""The ruleset file as data: pydantic models of rules, parameters, named lists and scope overrides.

Structure only is validated here (types, ranges, formats); names inside expressions, references between
parts and everything that needs the catalogue are checked by `validate`/`compile_ruleset`, which collect
every problem at once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from schemas.common import Action  # one definition of the four actions, shared with the contracts

BRANCH_PATH_PATTERN = r"^([0-9A-Za-z]+(/[0-9A-Za-z]+)*)?$"
RULE_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
REASON_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class Mode(StrEnum):
    """`shadow` rules are evaluated and their hits recorded, but they never change a decision."""

    ACTIVE = "active"
    SHADOW = "shadow"


def _to_ms(value: Any) -> Any:
    """Accept epoch milliseconds or a timezone-aware datetime (YAML timestamps) for validity bounds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("validity datetimes need a time zone, e.g. 2026-01-01T00:00:00+08:00")
        return int(value.timestamp() * 1000)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return _to_ms(parsed)
    return value


EpochMs = Annotated[StrictInt, BeforeValidator(_to_ms)]
ParamValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr] | list[StrictInt | StrictFloat]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleSpec(_Frozen):
    id: str = Field(pattern=RULE_ID_PATTERN)
    description: str = ""
    expression: str = Field(min_length=1)
    action: Action
    weight: float = Field(ge=0.0, le=1.0)
    reason_code: str = Field(pattern=REASON_CODE_PATTERN)
    priority: int = Field(default=100, ge=1, le=1000, description="1 is the most important")
    mode: Mode = Mode.ACTIVE
    enabled: bool = True
    scope: str = Field(default="", pattern=BRANCH_PATH_PATTERN, description="branch path prefix; '' = all")
    valid_from: EpochMs | None = Field(default=None, description="epoch ms, inclusive")
    valid_until: EpochMs | None = Field(default=None, description="epoch ms, exclusive")
    tags: tuple[str, ...] = ()
    owner: str = ""


class RuleOverride(_Frozen):
    """What a scope may change about an inherited rule."""

    action: Action | None = None
    weight: float | None = Field(default=None, ge=0.0, le=1.0)
    priority: int | None = Field(default=None, ge=1, le=1000)
    mode: Mode | None = None
    enabled: bool | None = None


class ScopeSpec(_Frozen):
    """Overrides for a branch subtree; deeper scopes win over shallower ones."""

    path: str = Field(pattern=BRANCH_PATH_PATTERN, min_length=1)
    description: str = ""
    params: dict[str, ParamValue] = Field(default_factory=dict)
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    disable: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()


class NamedList(_Frozen):
    """A list of identifiers (accounts, devices, IPs, payees) that rules test with `in_list`."""

    name: str = Field(pattern=NAME_PATTERN)
    kind: Literal["account", "device", "ip", "payee", "customer", "other"] = "other"
    description: str = ""
    owner: str = ""
    version: str = ""
    items: frozenset[str] = frozenset()


def _version_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


VersionText = Annotated[str, BeforeValidator(_version_text), Field(min_length=1)]


class RulesetSpec(_Frozen):
    """One ruleset file (lists may come from their own files; see `loader`)."""

    version: VersionText
    description: str = ""
    owner: str = ""
    policy: str | None = Field(default=None, description="reference to the decision policy it is used with")
    params: dict[str, ParamValue] = Field(default_factory=dict)
    lists: dict[str, NamedList] = Field(default_factory=dict)
    list_files: tuple[str, ...] = Field(default=(), description="list files, relative to the ruleset file")
    rules: tuple[RuleSpec, ...] = ()
    scopes: tuple[ScopeSpec, ...] = ()
    source: str = Field(default="<text>", exclude=True)

    def with_lists(self, lists: dict[str, NamedList]) -> RulesetSpec:
        """A copy with named lists added or replaced (a list update from the control topic)."""
        merged = dict(self.lists)
        merged.update(lists)
        return self.model_copy(update={"lists": merged})
