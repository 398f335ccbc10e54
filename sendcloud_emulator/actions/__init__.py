"""The SendCloud-facing handlers: read parameters in the spec's order, call the domain, shape info.

Each handler takes a Ctx and returns the `info` object (or a Reply). `declare` attaches its
`Declaration` (protocol/declaration.py): the parameters it reads, in order, with type, required
flag, limits, codes and a one-line description, and the codes of its final checks. That one list
is what the pipeline checks the reads against, what /openapi.json and docs/api.md show, and what
the other doors map onto.
"""

from collections.abc import Callable

from ..protocol.declaration import Declaration, Param


def declare(*params: Param, codes: tuple[int, ...] = ()) -> Callable:
    """`codes`: what the action answers beside its rows' codes (final checks, 40821)."""
    declaration = Declaration(tuple(params), codes)

    def mark(handler: Callable) -> Callable:
        handler.declaration = declaration
        handler.params = declaration.names  # the names alone, in order
        return handler

    return mark
