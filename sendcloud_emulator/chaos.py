"""Fault rules (PUT /_emulator/faults) and the per-account rate limit (docs/api.md §1.6 steps 3–4).

Both live in the server process's memory: they are test-time switches, not stored state.
"""

import asyncio
import random
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime

from .codes import ApiError


class FaultRaised(ApiError):
    """The code a fault rule answers (an ApiError, so the HTTP doors answer it like any other)."""


class RateLimited(ApiError):
    """50001 from the per-account rate limit (SMTP answers it differently from a fault's 50001)."""


@dataclass
class FaultRule:
    module: str | None = None
    action: str | None = None
    apiUser: str | None = None
    statusCode: int | None = None
    probability: float = 1.0
    count: int | None = None  # how many more times the rule may fire; None = unlimited
    latencyMs: int | None = None
    fired: int = 0

    def matches(self, module: str, action: str, api_user: str) -> bool:
        return ((self.module is None or self.module.lower() == module.lower())
                and (self.action is None or self.action.lower() == action.lower())
                and (self.apiUser is None or self.apiUser == api_user))

    def view(self) -> dict:
        return {"module": self.module, "action": self.action, "apiUser": self.apiUser,
                "statusCode": self.statusCode, "probability": self.probability, "count": self.count,
                "latencyMs": self.latencyMs, "fired": self.fired}


@dataclass
class Faults:
    rules: list[FaultRule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def replace(self, rules: list[FaultRule]) -> None:
        with self.lock:
            self.rules = list(rules)

    def clear(self) -> None:
        self.replace([])

    def pick(self, module: str, action: str, api_user: str) -> FaultRule | None:
        """The first matching rule, counted as fired, or None (no rule, or its probability roll failed)."""
        with self.lock:
            rule = next((r for r in self.rules if r.matches(module, action, api_user)
                         and (r.count is None or r.fired < r.count)), None)
            if rule is None or random.random() >= rule.probability:
                return None
            rule.fired += 1
            return rule

    async def apply(self, module: str, action: str, api_user: str) -> None:
        """The first matching rule fires: it waits latencyMs (on the event loop, holding no worker
        thread and no lock), then answers its code (if any)."""
        rule = self.pick(module, action, api_user)
        if rule is None:
            return
        if rule.latencyMs:
            await asyncio.sleep(rule.latencyMs / 1000)
        if rule.statusCode is not None:
            raise FaultRaised(rule.statusCode)


@dataclass
class RateLimiter:
    window_seconds: float = 60.0
    hits: dict[int, deque] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, account_id: int, limit: int | None, now: datetime) -> None:
        """Count the request, or refuse it with 50001 (refused requests are not counted).

        `now` is the account's clock, so the window slides when the clock is advanced.
        """
        if limit is None:
            return
        moment = now.timestamp()
        with self.lock:
            window = self.hits[account_id]
            if window and window[-1] > moment:  # the clock went back to real time: drop hits now ahead of it
                self.hits[account_id] = window = deque(t for t in window if t <= moment)
            while window and moment - window[0] >= self.window_seconds:
                window.popleft()
            if len(window) >= limit:
                raise RateLimited(50001)
            window.append(moment)

    def clear(self, account_id: int | None = None) -> None:
        with self.lock:
            if account_id is None:
                self.hits.clear()
            else:
                self.hits.pop(account_id, None)
