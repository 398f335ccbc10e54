"""The SendCloud-facing handlers: read parameters in the spec's order, call the domain, shape info.

Each handler takes a Ctx and returns the `info` object (or a Reply). `declare` records the
parameters it reads, in order, so /openapi.json documents the whole surface from the same list.
"""

from collections.abc import Callable


def declare(*names: str) -> Callable:
    def mark(handler: Callable) -> Callable:
        handler.params = names
        return handler

    return mark
