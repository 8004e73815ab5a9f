"""Billing rules as plain functions: quota arithmetic, warnings, statements. No I/O, no clock.

Money is integer öre throughout (1 SEK = 100 öre); nothing is ever a float.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.errors import Conflict, Gone, Invalid, NotFound

THRESHOLDS = (80, 100)


class NoAccount(NotFound):
    def __init__(self) -> None:
        super().__init__("This firm has no billing account yet.")


class UnknownReservation(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"No reservation has the key {key!r}.")


class ReservationExpired(Gone):
    title = "Reservation expired"

    def __init__(self, key: str, expires_at: datetime) -> None:
        super().__init__(
            f"Reservation {key!r} expired at {expires_at.isoformat()} and its bytes were given "
            "back; reserve again before storing.",
            expires_at=expires_at.isoformat(),
        )


class WrongState(Conflict):
    def __init__(self, what: str, key: str, state: str, action: str) -> None:
        super().__init__(f"{what} {key!r} is {state}; it cannot be {action}.")


def storage_limit(included_bytes: int, blocks: int, block_bytes: int) -> int:
    return included_bytes + blocks * block_bytes


def fits(used: int, reserved: int, limit: int) -> bool:
    return used + reserved <= limit


def grant_in_order(used: int, reserved: int, limit: int, sizes: Sequence[int]) -> list[bool]:
    """Which of these reservations, taken in order, fit: each granted one holds its bytes for
    those after it; a refused one holds nothing, so a smaller one after it may still fit."""
    held = used + reserved
    granted = []
    for size in sizes:
        granted.append(held + size <= limit)
        held += size if granted[-1] else 0
    return granted


def require_same_request(key: str, earlier: str, now: str) -> None:
    """A key names one request: reused for another one, it is a caller's mistake."""
    if earlier != now:
        message = f"The key {key!r} was used for {earlier}, not {now}."
        raise Conflict(message, field="idempotency_key")


def pack_purchase(pack: str) -> str:
    return f"a purchase of pack {pack!r}"


def block_change(change: int) -> str:
    verb = "buying" if change > 0 else "cancelling"
    return f"{verb} {abs(change)} storage block{'s' if abs(change) != 1 else ''}"


def require_fits(used: int, reserved: int, new_limit: int) -> None:
    """A plan change or block cancellation may not put usage over the new limit."""
    if not fits(used, reserved, new_limit):
        raise Conflict(
            f"{used + reserved} bytes are used or reserved, more than the new limit of "
            f"{new_limit} bytes; delete documents first."
        )


def storage_level(used: int, limit: int) -> int:
    """The highest warning threshold (percent) that committed usage has reached, or 0."""
    reached = [t for t in THRESHOLDS if used * 100 >= t * limit and used > 0]
    return max(reached, default=0)


def thresholds_crossed(previous_level: int, used: int, limit: int) -> tuple[int, list[int]]:
    """The new level and the thresholds crossed upwards since `previous_level`.

    Going below a threshold lowers the level silently, so the next rise warns again.
    """
    level = storage_level(used, limit)
    return level, [t for t in THRESHOLDS if previous_level < t <= level]


def require_committable(key: str, state: str, expires_at: datetime, now: datetime) -> None:
    if state == "expired" or (state == "reserved" and expires_at <= now):
        raise ReservationExpired(key, expires_at)
    if state == "released":
        raise WrongState("Reservation", key, state, "committed")


class NotThatMuchUsed(Conflict):
    def __init__(self, freed: int, used: int) -> None:
        super().__init__(f"Cannot free {freed} bytes: only {used} bytes are in use.")


def require_credit_state(key: str, state: str, allowed: Sequence[str], action: str) -> None:
    if state not in allowed:
        raise WrongState("Credit reservation", key, state, action)


def require_blocks_to_cancel(held: int, quantity: int) -> None:
    if quantity > held:
        raise Conflict(f"Only {held} storage blocks are held; cannot cancel {quantity}.")


class UnknownPack(Invalid):
    def __init__(self, pack: str) -> None:
        super().__init__(f"No credit pack is called {pack!r}.", field="pack")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`YYYY-MM` → [first instant of the month, first instant of the next), UTC."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid("A month looks like 2025-03.", field="month") from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_price_ore: int

    @property
    def amount_ore(self) -> int:
        return self.quantity * self.unit_price_ore


@dataclass(frozen=True)
class Totals:
    subtotal_ore: int
    vat_ore: int
    total_ore: int


def vat(amount_ore: int, percent: int) -> int:
    """VAT in whole öre, rounded half up."""
    return (amount_ore * percent + 50) // 100


def totals(lines: Sequence[Line], vat_percent: int) -> Totals:
    subtotal = sum(line.amount_ore for line in lines)
    tax = vat(subtotal, vat_percent)
    return Totals(subtotal, tax, subtotal + tax)


def block_lines(prices_ore: Sequence[int], block_bytes: int) -> list[Line]:
    """One line per price among the blocks held in the month (prices may change over time)."""
    size = f"{block_bytes // 10**9} GB" if block_bytes % 10**9 == 0 else f"{block_bytes} bytes"
    counts: dict[int, int] = {}
    for price in prices_ore:
        counts[price] = counts.get(price, 0) + 1
    return [
        Line(f"Storage block {size}, monthly", count, price)
        for price, count in sorted(counts.items())
    ]


def purchase_line(pack: str, credits: int, price_ore: int, day: datetime) -> Line:
    return Line(f"E-signature pack {pack} ({credits} credits), {day:%Y-%m-%d}", 1, price_ore)


def format_sek(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"
