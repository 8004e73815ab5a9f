"""Billing rules with literals in and answers out."""

from datetime import UTC, datetime

import pytest

from services.billing import domain
from shared.errors import Conflict, Invalid

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)


def test_limit_is_included_plus_blocks() -> None:
    assert domain.storage_limit(10**9, 3, 10 * 10**9) == 31 * 10**9


def test_reservations_in_a_batch_are_granted_in_order_while_they_fit() -> None:
    # 100 of 1000 bytes free: 60 fits, 50 no longer does, 40 still fits after it.
    assert domain.grant_in_order(800, 100, 1000, [60, 50, 40, 1]) == [True, False, True, False]


def test_a_batch_never_holds_more_than_the_limit() -> None:
    sizes = [7, 13, 1, 30, 2, 2, 50]
    granted = domain.grant_in_order(0, 0, 40, sizes)
    assert sum(size for size, ok in zip(sizes, granted, strict=True) if ok) <= 40
    assert granted == [True, True, True, False, True, True, False]


def test_a_change_that_would_not_fit_usage_is_refused() -> None:
    domain.require_fits(600, 400, 1_000)
    with pytest.raises(Conflict):
        domain.require_fits(600, 401, 1_000)


@pytest.mark.parametrize(
    ("previous", "used", "level", "crossed"),
    [
        (0, 799, 0, []),
        (0, 800, 80, [80]),
        (80, 900, 80, []),
        (80, 1_000, 100, [100]),
        (0, 1_000, 100, [80, 100]),
        (100, 700, 0, []),
        (100, 850, 80, []),
    ],
)
def test_thresholds_warn_once_per_upward_crossing(
    previous: int, used: int, level: int, crossed: list[int]
) -> None:
    assert domain.thresholds_crossed(previous, used, 1_000) == (level, crossed)


def test_an_empty_account_with_no_limit_warns_of_nothing() -> None:
    assert domain.storage_level(0, 0) == 0


def test_vat_is_25_percent_rounded_half_up_in_whole_ore() -> None:
    assert domain.vat(7_900, 25) == 1_975
    assert domain.vat(2, 25) == 1  # 0.5 öre rounds up
    assert domain.vat(1, 25) == 0


def test_statement_totals_are_exact_in_ore() -> None:
    lines = domain.block_lines([7_900, 7_900, 6_900], 10 * 10**9)
    lines.append(domain.purchase_line("10", 10, 39_001, NOW))
    totals = domain.totals(lines, 25)
    assert [(x.quantity, x.unit_price_ore, x.amount_ore) for x in lines] == [
        (1, 6_900, 6_900),
        (2, 7_900, 15_800),
        (1, 39_001, 39_001),
    ]
    assert lines[0].description == "Storage block 10 GB, monthly"
    assert (totals.subtotal_ore, totals.vat_ore, totals.total_ore) == (61_701, 15_425, 77_126)
    assert domain.format_sek(totals.total_ore) == "771.26"


def test_month_bounds_cover_the_calendar_month() -> None:
    assert domain.month_bounds("2025-12") == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(Invalid):
        domain.month_bounds("2025-13")


def test_a_lapsed_reservation_cannot_be_committed_even_before_the_reaper_ran() -> None:
    domain.require_committable("k", "reserved", NOW.replace(hour=13), NOW)
    with pytest.raises(domain.ReservationExpired):
        domain.require_committable("k", "reserved", NOW, NOW)
    with pytest.raises(domain.ReservationExpired):
        domain.require_committable("k", "expired", NOW.replace(hour=13), NOW)
    with pytest.raises(domain.WrongState):
        domain.require_committable("k", "released", NOW.replace(hour=13), NOW)


def test_cannot_cancel_more_blocks_than_held() -> None:
    domain.require_blocks_to_cancel(2, 2)
    with pytest.raises(Conflict):
        domain.require_blocks_to_cancel(2, 3)


def test_a_key_reused_for_another_request_is_refused_with_both_named() -> None:
    domain.require_same_request("k", domain.block_change(2), domain.block_change(2))
    with pytest.raises(Conflict, match="buying 2 storage blocks, not cancelling 1 storage block"):
        domain.require_same_request("k", domain.block_change(2), domain.block_change(-1))
    with pytest.raises(Conflict, match="pack '10', not a purchase of pack '50'"):
        domain.require_same_request("k", domain.pack_purchase("10"), domain.pack_purchase("50"))
