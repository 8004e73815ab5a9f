"""Exponential backoff with jitter, for reconnects and redeliveries."""

import random


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Delay before try number `attempt` (1 = first retry): base·2^(n-1), capped, ±20 % jitter."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.8, 1.2)
