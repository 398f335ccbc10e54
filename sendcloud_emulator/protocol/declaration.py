"""What an action reads and answers: the one declaration of its parameters and codes.

Each /apiv2 handler carries a `Declaration` (see `actions.declare`): its parameters in validation
order, each with a type, whether it is required, its limits, the codes its row can answer and a
one-line description, plus the codes of the action's final checks. /openapi.json, docs/api.md
(scripts/gen-docs) and the other doors read this, and `Params` checks every read against it while
a request runs, so the reading code and the declaration cannot drift apart unnoticed: a read of an
undeclared parameter, a read out of the declared order, a reader whose type, required flag, limits
or codes differ from the row, or an answer code the action does not declare is a drift.
"""

import logging
import os
from dataclasses import dataclass, field, replace

from .. import values

log = logging.getLogger("sendcloud_emulator")

TYPES = ("string", "integer", "boolean", "date", "datetime", "binary")
# Codes any action can answer before its parameters are read (docs/api.md §1.6 steps 2–3) or on a bug.
COMMON_CODES = (200, 40005, 50001, 501)
# With this set (the test suite sets it), a drift raises instead of being logged once.
STRICT_ENV = "SC_EMULATOR_STRICT_DECLARATIONS"


@dataclass(frozen=True)
class Param:
    """One row of an action's parameter table."""

    name: str
    type: str = "string"  # one of TYPES; "binary" = multipart file parts
    description: str = ""
    required: bool = False
    required_when: str = ""  # a not-always-required row's condition (the spec's `*`)
    list: bool = False  # a `;`-separated list (repeated keys are joined)
    max_items: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_bytes: int | None = None  # UTF-8 bytes
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    default: str | None = None
    blank_absent: bool = False  # present but blank counts as absent
    example: str | None = None  # a value that works against the default demo account
    codes: tuple[int, ...] = ()  # what this row can answer: empty, invalid, other, in check order

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")
        if self.type == "integer":
            object.__setattr__(self, "minimum", 0 if self.minimum is None else self.minimum)
            object.__setattr__(self, "maximum", values.INT_MAX if self.maximum is None else self.maximum)

    def but(self, **changes) -> "Param":
        """The same row with some fields changed (another action's required flag or codes)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Declaration:
    """An action's parameters in validation order and the codes beside theirs (final checks, 40821)."""

    params: tuple[Param, ...]
    extra_codes: tuple[int, ...] = ()
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    # the reads (a reader's name and arguments) already found to agree with their rows (Params._check)
    agreed: set = field(init=False, repr=False, compare=False, default_factory=set)

    def __post_init__(self):
        index = {}
        for position, param in enumerate(self.params):
            if param.name in index:
                raise ValueError(f"parameter {param.name} declared twice")
            index[param.name] = position
        object.__setattr__(self, "index", index)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def get(self, name: str) -> Param | None:
        position = self.index.get(name)
        return None if position is None else self.params[position]

    @property
    def codes(self) -> tuple[int, ...]:
        """Every code the action answers: the common ones, then its rows' and final checks', in order."""
        found = dict.fromkeys(COMMON_CODES[:3])
        for param in self.params:
            found.update(dict.fromkeys(param.codes))
        found.update(dict.fromkeys(self.extra_codes))
        found[501] = None
        return tuple(found)


class DeclarationDrift(Exception):
    """The reading code and the declaration disagree: a bug in the emulator, never bad input."""


_reported: set[str] = set()


def drift(message: str) -> None:
    if os.environ.get(STRICT_ENV, "") not in ("", "0"):
        raise DeclarationDrift(message)
    if message not in _reported:  # the answer is unaffected; say it once per process
        _reported.add(message)
        log.warning("declaration drift: %s", message)
