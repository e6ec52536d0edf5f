"""Unit tests for app.services.gst_engine: pure calculations, no fixtures, no database.

Expected figures are worked out by hand in the comments (half-up to paise per line, headers as
exact sums of lines, one round-off to the rupee). The property tests and the 1,000-line
invoice also compare every line against an independent reference written with ``Fraction``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.enums import DiscountType, SupplyType, ZeroRatedMode
from app.services.gst_engine import (
    ENDORSEMENT_BILL_OF_SUPPLY,
    ENDORSEMENT_LUT,
    ENDORSEMENT_REVERSE_CHARGE,
    ENDORSEMENT_WITH_PAYMENT,
    DocumentResult,
    LineInput,
    LineResult,
    SupplyContext,
    compute_document,
    round_paise,
    supply_type_for,
)

D = Decimal
PCT = DiscountType.PERCENT
LUT = ZeroRatedMode.LUT
PAID = ZeroRatedMode.WITH_PAYMENT

HEADER_AMOUNTS = (
    "subtotal",
    "discount_total",
    "taxable_total",
    "cgst_total",
    "sgst_total",
    "utgst_total",
    "igst_total",
    "cess_total",
    "tax_total",
    "round_off",
    "grand_total",
    "amount_payable",
)
LINE_AMOUNTS = (
    "gross",
    "discount_amount",
    "taxable_value",
    "cgst_amount",
    "sgst_amount",
    "utgst_amount",
    "igst_amount",
    "cess_amount",
    "line_total",
)
# Header total -> the line field it sums.
SUMS = {
    "subtotal": "gross",
    "discount_total": "discount_amount",
    "taxable_total": "taxable_value",
    "cgst_total": "cgst_amount",
    "sgst_total": "sgst_amount",
    "utgst_total": "utgst_amount",
    "igst_total": "igst_amount",
    "cess_total": "cess_amount",
}
BREAKDOWN_SUMS = {
    "taxable_value": "taxable_total",
    "cgst_amount": "cgst_total",
    "sgst_amount": "sgst_total",
    "utgst_amount": "utgst_total",
    "igst_amount": "igst_total",
    "cess_amount": "cess_total",
}


def line(
    quantity: str,
    price: str,
    rate: str,
    cess: str = "0",
    discount: str = "0",
    discount_type: DiscountType = DiscountType.AMOUNT,
) -> LineInput:
    return LineInput(
        quantity=D(quantity),
        unit_price=D(price),
        gst_rate=D(rate),
        cess_rate=D(cess),
        discount_type=discount_type,
        discount_value=D(discount),
    )


def ctx(supplier: str, place: str, **kwargs: Any) -> SupplyContext:
    return SupplyContext(supplier_state=supplier, place_of_supply=place, **kwargs)


def assert_consistent(result: DocumentResult) -> None:
    """The invariants every priced document must satisfy, whatever its input."""
    for name in HEADER_AMOUNTS:
        value = getattr(result, name)
        assert value.as_tuple().exponent == -2, f"{name}={value} is not in paise"
        if name != "round_off":
            assert value >= 0, f"{name}={value} is negative"
    for item in result.lines:
        for name in LINE_AMOUNTS:
            value = getattr(item, name)
            assert value.as_tuple().exponent == -2, f"line {name}={value} is not in paise"
            assert value >= 0, f"line {name}={value} is negative"
        assert item.taxable_value == item.gross - item.discount_amount
        taxes = (
            item.cgst_amount
            + item.sgst_amount
            + item.utgst_amount
            + item.igst_amount
            + item.cess_amount
        )
        assert item.line_total == item.taxable_value + taxes
    for total, part in SUMS.items():
        assert getattr(result, total) == sum((getattr(x, part) for x in result.lines), D("0"))
    assert result.tax_total == (
        result.cgst_total
        + result.sgst_total
        + result.utgst_total
        + result.igst_total
        + result.cess_total
    )
    assert result.taxable_total == result.subtotal - result.discount_total
    assert sum((x.line_total for x in result.lines), D("0")) == (
        result.taxable_total + result.tax_total
    )
    assert abs(result.round_off) <= D("0.50")
    assert result.grand_total == result.taxable_total + result.tax_total + result.round_off
    keys = [(b.gst_rate, b.cess_rate) for b in result.breakdown]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for part, total in BREAKDOWN_SUMS.items():
        assert sum((getattr(b, part) for b in result.breakdown), D("0")) == getattr(result, total)


# ------------------------------------------------------------------ reference (Fraction)


def ref_paise(value: Fraction) -> Fraction:
    """Half-up to paise for non-negative values, in integer arithmetic."""
    assert value >= 0
    return Fraction(int(value * 100 + Fraction(1, 2)), 100)


def ref_line(item: LineInput, supply: SupplyType, context: SupplyContext) -> dict[str, Fraction]:
    """An independent recomputation of one line, straight from the rules."""
    gross = ref_paise(Fraction(item.quantity) * Fraction(item.unit_price))
    if item.discount_type == DiscountType.PERCENT:
        discount = ref_paise(gross * Fraction(item.discount_value) / 100)
    else:
        discount = ref_paise(Fraction(item.discount_value))
    taxable = gross - discount
    zero_rated = supply in (SupplyType.EXPORT, SupplyType.SEZ)
    taxed = not context.bill_of_supply and not (zero_rated and context.zero_rated_mode == LUT)
    rate = Fraction(item.gst_rate) if taxed else Fraction(0)
    cess_rate = Fraction(item.cess_rate) if taxed else Fraction(0)
    out = dict.fromkeys(("cgst_amount", "sgst_amount", "utgst_amount", "igst_amount"), Fraction(0))
    if supply == SupplyType.INTRA_STATE:
        half = ref_paise(taxable * rate / 200)
        second = "utgst_amount" if context.place_of_supply in UT_CODES else "sgst_amount"
        out["cgst_amount"] = half
        out[second] = half
    else:
        out["igst_amount"] = ref_paise(taxable * rate / 100)
    out["cess_amount"] = ref_paise(taxable * cess_rate / 100)
    out.update(gross=gross, discount_amount=discount, taxable_value=taxable)
    out["line_total"] = taxable + sum(
        out[k] for k in ("cgst_amount", "sgst_amount", "utgst_amount", "igst_amount", "cess_amount")
    )
    return out


UT_CODES = {"04", "25", "26", "31", "35", "38", "97"}


def assert_matches_reference(
    lines: list[LineInput], context: SupplyContext, result: DocumentResult
) -> None:
    for index, (item, priced) in enumerate(zip(lines, result.lines, strict=True), 1):
        expected = ref_line(item, result.supply_type, context)
        actual = {name: Fraction(getattr(priced, name)) for name in LINE_AMOUNTS}
        assert actual == expected, f"line {index}: {item}"


# ------------------------------------------------------------------ hand-computed table


@dataclass(frozen=True)
class Case:
    id: str
    lines: list[LineInput]
    context: SupplyContext
    supply_type: SupplyType
    header: dict[str, str]
    first_line: dict[str, str] = field(default_factory=dict)
    endorsement: str | None = None
    words: str | None = None


CASES = [
    # 27 -> 27: 1 x 1000 = 1000.00; CGST 9% = 90.00, SGST 9% = 90.00; 1000 + 180 = 1180.00.
    Case(
        "intra-state 18%",
        [line("1", "1000", "18")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {
            "taxable_total": "1000.00",
            "cgst_total": "90.00",
            "sgst_total": "90.00",
            "utgst_total": "0.00",
            "igst_total": "0.00",
            "tax_total": "180.00",
            "round_off": "0.00",
            "grand_total": "1180.00",
            "amount_payable": "1180.00",
        },
        {"cgst_rate": "9", "sgst_rate": "9", "utgst_rate": "0", "igst_rate": "0"},
        words="Rupees One Thousand One Hundred Eighty Only",
    ),
    # 27 -> 29: IGST 18% of 1000 = 180.00; total 1180.00.
    Case(
        "inter-state 18%",
        [line("1", "1000", "18")],
        ctx("27", "29"),
        SupplyType.INTER_STATE,
        {"cgst_total": "0.00", "sgst_total": "0.00", "igst_total": "180.00"}
        | {"grand_total": "1180.00"},
        {"igst_rate": "18", "cgst_rate": "0"},
    ),
    # 04 Chandigarh (UT without legislature): 2 x 250.50 = 501.00; CGST 6% = 30.06 and
    # UTGST 6% = 30.06; 501.00 + 60.12 = 561.12 -> 561.00, round-off -0.12.
    Case(
        "Chandigarh CGST + UTGST",
        [line("2", "250.50", "12")],
        ctx("04", "04"),
        SupplyType.INTRA_STATE,
        {
            "cgst_total": "30.06",
            "utgst_total": "30.06",
            "sgst_total": "0.00",
            "round_off": "-0.12",
            "grand_total": "561.00",
        },
        {"cgst_rate": "6", "utgst_rate": "6", "sgst_rate": "0"},
    ),
    # 07 Delhi has a legislature: SGST. 1 x 999 at 5%: 2.5% of 999 = 24.975 -> 24.98 each;
    # 999 + 49.96 = 1048.96 -> 1049.00, round-off +0.04.
    Case(
        "Delhi CGST + SGST",
        [line("1", "999", "5")],
        ctx("07", "07"),
        SupplyType.INTRA_STATE,
        {
            "cgst_total": "24.98",
            "sgst_total": "24.98",
            "utgst_total": "0.00",
            "round_off": "0.04",
            "grand_total": "1049.00",
        },
    ),
    # Place of supply 25 (legacy Daman and Diu) is 26 today: intra-state for a 26 supplier,
    # and 26 is a UT without legislature: CGST 9% = 9.00 + UTGST 9% = 9.00 on 100.
    Case(
        "legacy 25 place, supplier 26",
        [line("1", "100", "18")],
        ctx("26", "25"),
        SupplyType.INTRA_STATE,
        {"cgst_total": "9.00", "utgst_total": "9.00", "igst_total": "0.00"}
        | {"grand_total": "118.00"},
    ),
    # SEZ in the supplier's own state is still inter-state: IGST 18% of 1000 = 180.00.
    Case(
        "SEZ same state with payment",
        [line("1", "1000", "18")],
        ctx("27", "27", customer_is_sez=True, zero_rated_mode=PAID),
        SupplyType.SEZ,
        {"cgst_total": "0.00", "igst_total": "180.00", "grand_total": "1180.00"},
        endorsement=ENDORSEMENT_WITH_PAYMENT,
    ),
    # NONE on a zero-rated supply means IGST is charged (no LUT was stated).
    Case(
        "SEZ without a mode charges IGST",
        [line("1", "1000", "18")],
        ctx("27", "27", customer_is_sez=True),
        SupplyType.SEZ,
        {"igst_total": "180.00", "grand_total": "1180.00"},
        endorsement=ENDORSEMENT_WITH_PAYMENT,
    ),
    # SEZ under LUT: no tax; 2 x 1234.56 = 2469.12 -> 2469.00.
    Case(
        "SEZ under LUT",
        [line("2", "1234.56", "18", cess="12")],
        ctx("27", "29", customer_is_sez=True, zero_rated_mode=LUT),
        SupplyType.SEZ,
        {"tax_total": "0.00", "cess_total": "0.00", "round_off": "-0.12"}
        | {"grand_total": "2469.00"},
        {"gst_rate": "0", "cess_rate": "0", "igst_rate": "0"},
        endorsement=ENDORSEMENT_LUT,
    ),
    # Export under LUT: 1 x 5000 at 18% -> no tax, rate reported 0, total 5000.00.
    Case(
        "export under LUT",
        [line("1", "5000", "18")],
        ctx("27", "96", is_export=True, zero_rated_mode=LUT),
        SupplyType.EXPORT,
        {"igst_total": "0.00", "tax_total": "0.00", "grand_total": "5000.00"},
        {"gst_rate": "0", "igst_rate": "0"},
        endorsement=ENDORSEMENT_LUT,
        words="Rupees Five Thousand Only",
    ),
    # Export with IGST paid: 18% of 5000 = 900.00; total 5900.00.
    Case(
        "export with payment",
        [line("1", "5000", "18")],
        ctx("27", "96", zero_rated_mode=PAID),
        SupplyType.EXPORT,
        {"igst_total": "900.00", "cgst_total": "0.00", "grand_total": "5900.00"},
        {"gst_rate": "18", "igst_rate": "18"},
        endorsement=ENDORSEMENT_WITH_PAYMENT,
    ),
    # Amount discount: 4 x 250 = 1000.00 - 100.00 = 900.00; CGST/SGST 9% = 81.00 each;
    # 900 + 162 = 1062.00.
    Case(
        "amount discount",
        [line("4", "250", "18", discount="100")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {
            "subtotal": "1000.00",
            "discount_total": "100.00",
            "taxable_total": "900.00",
            "cgst_total": "81.00",
            "sgst_total": "81.00",
            "grand_total": "1062.00",
        },
    ),
    # Percent discount: 3 x 333.33 = 999.99; 10% = 99.999 -> 100.00; taxable 899.99;
    # IGST 18% = 161.9982 -> 162.00; 899.99 + 162.00 = 1061.99 -> 1062.00, round-off +0.01.
    Case(
        "percent discount",
        [line("3", "333.33", "18", discount="10", discount_type=PCT)],
        ctx("27", "29"),
        SupplyType.INTER_STATE,
        {
            "subtotal": "999.99",
            "discount_total": "100.00",
            "taxable_total": "899.99",
            "igst_total": "162.00",
            "round_off": "0.01",
            "grand_total": "1062.00",
        },
    ),
    # 0%: 2 x 50 = 100.00, no tax at all.
    Case(
        "0% rate",
        [line("2", "50", "0")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {"tax_total": "0.00", "grand_total": "100.00"},
        {"gst_rate": "0", "cgst_rate": "0", "sgst_rate": "0"},
    ),
    # 0.25%: 3 x 333.33 = 999.99; CGST 0.125% = 1.2499875 -> 1.25, SGST the same;
    # 999.99 + 2.50 = 1002.49 -> 1002.00: an x.49 total rounds down (round-off -0.49).
    Case(
        "0.25% rate, x.49 rounds down",
        [line("3", "333.33", "0.25")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {
            "taxable_total": "999.99",
            "cgst_total": "1.25",
            "sgst_total": "1.25",
            "round_off": "-0.49",
            "grand_total": "1002.00",
        },
        {"cgst_rate": "0.125", "sgst_rate": "0.125", "line_total": "1002.49"},
    ),
    # 5% with 12% cess, inter-state: IGST 50.00 + cess 120.00 on 1000 = 1170.00.
    Case(
        "5% with 12% cess, inter-state",
        [line("1", "1000", "5", cess="12")],
        ctx("27", "29"),
        SupplyType.INTER_STATE,
        {"igst_total": "50.00", "cess_total": "120.00", "tax_total": "170.00"}
        | {"grand_total": "1170.00"},
        {"cess_rate": "12", "cess_amount": "120.00"},
    ),
    # The same intra-state: CGST 2.5% = 25.00, SGST 25.00, cess 120.00 -> 1170.00.
    Case(
        "5% with 12% cess, intra-state",
        [line("1", "1000", "5", cess="12")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {"cgst_total": "25.00", "sgst_total": "25.00", "cess_total": "120.00"}
        | {"grand_total": "1170.00"},
    ),
    # x.50 rounds up: 1 x 85.17, IGST 18% = 15.3306 -> 15.33; 85.17 + 15.33 = 100.50 -> 101.00.
    Case(
        "x.50 rounds up",
        [line("1", "85.17", "18")],
        ctx("27", "29"),
        SupplyType.INTER_STATE,
        {"igst_total": "15.33", "round_off": "0.50", "grand_total": "101.00"},
        words="Rupees One Hundred One Only",
    ),
    # Without round-off the total stays 100.50 and is spelt with paise.
    Case(
        "round-off disabled",
        [line("1", "85.17", "18")],
        ctx("27", "29", apply_round_off=False),
        SupplyType.INTER_STATE,
        {"round_off": "0.00", "grand_total": "100.50", "amount_payable": "100.50"},
        words="Rupees One Hundred and Fifty Paise Only",
    ),
    # Brief example: taxable 1.10 at 5% intra: 2.5% of 1.10 = 0.0275 -> 0.03 each.
    Case(
        "quarter paisa rounds to nearest",
        [line("1", "1.10", "5")],
        ctx("27", "27", apply_round_off=False),
        SupplyType.INTRA_STATE,
        {"cgst_total": "0.03", "sgst_total": "0.03", "grand_total": "1.16"},
    ),
    # An exact half paisa: 9% of 12.50 = 1.125 -> 1.13 half-up (banker's would give 1.12);
    # 12.50 + 2.26 = 14.76 -> 15.00, round-off +0.24.
    Case(
        "half paisa rounds up (18%)",
        [line("1", "12.50", "18")],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {"cgst_total": "1.13", "sgst_total": "1.13", "round_off": "0.24"}
        | {"grand_total": "15.00"},
    ),
    # Another exact half paisa: 0.5% of 1.00 = 0.005 -> 0.01 (1% intra-state).
    Case(
        "half paisa rounds up (1%)",
        [line("1", "1", "1")],
        ctx("27", "27", apply_round_off=False),
        SupplyType.INTRA_STATE,
        {"cgst_total": "0.01", "sgst_total": "0.01", "grand_total": "1.02"},
    ),
    # Gross itself rounds half-up: 0.125 x 0.04 = 0.005 -> 0.01; 1.5 x 3.3333 = 4.99995 -> 5.00.
    Case(
        "gross rounds half-up",
        [line("0.125", "0.04", "0"), line("1.5", "3.3333", "0")],
        ctx("27", "27", apply_round_off=False),
        SupplyType.INTRA_STATE,
        {"subtotal": "5.01", "grand_total": "5.01"},
        {"gross": "0.01"},
    ),
    # Reverse charge, 27 -> 27: 1 x 1000.40; CGST 9% = 90.036 -> 90.04, SGST 90.04;
    # invoice value 1180.48 -> 1180.00 (round-off -0.48); the buyer pays the supplier only the
    # taxable 1000.40 -> 1000.00, and the tax to the government.
    Case(
        "reverse charge",
        [line("1", "1000.40", "18")],
        ctx("27", "27", reverse_charge=True),
        SupplyType.INTRA_STATE,
        {
            "cgst_total": "90.04",
            "sgst_total": "90.04",
            "tax_total": "180.08",
            "round_off": "-0.48",
            "grand_total": "1180.00",
            "amount_payable": "1000.00",
        },
        endorsement=ENDORSEMENT_REVERSE_CHARGE,
        words="Rupees One Thousand Only",
    ),
    # Bill of supply: 2 x 499.75 = 999.50, no tax (rate reported 0) -> 1000.00 (+0.50).
    Case(
        "bill of supply",
        [line("2", "499.75", "18", cess="5")],
        ctx("27", "27", bill_of_supply=True),
        SupplyType.INTRA_STATE,
        {"tax_total": "0.00", "round_off": "0.50", "grand_total": "1000.00"},
        {"gst_rate": "0", "cess_rate": "0", "cgst_rate": "0", "line_total": "999.50"},
        endorsement=ENDORSEMENT_BILL_OF_SUPPLY,
    ),
    # Multi-rate, 27 -> 27:
    #   2 x 100 @ 18       -> 200.00, CGST 18.00, SGST 18.00
    #   1 x 50 @ 5         ->  50.00, CGST  1.25, SGST  1.25
    #   3 x 10 @ 18        ->  30.00, CGST  2.70, SGST  2.70
    #   1 x 40 @ 0         ->  40.00
    #   1 x 100 @ 28 + 12% -> 100.00, CGST 14.00, SGST 14.00, cess 12.00
    # taxable 420.00; CGST 35.95; SGST 35.95; cess 12.00; tax 83.90; 503.90 -> 504.00 (+0.10).
    Case(
        "multi-rate invoice",
        [
            line("2", "100", "18"),
            line("1", "50", "5"),
            line("3", "10", "18"),
            line("1", "40", "0"),
            line("1", "100", "28", cess="12"),
        ],
        ctx("27", "27"),
        SupplyType.INTRA_STATE,
        {
            "taxable_total": "420.00",
            "cgst_total": "35.95",
            "sgst_total": "35.95",
            "cess_total": "12.00",
            "tax_total": "83.90",
            "round_off": "0.10",
            "grand_total": "504.00",
        },
        words="Rupees Five Hundred Four Only",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hand_computed(case: Case) -> None:
    result = compute_document(case.lines, case.context)
    assert result.supply_type is case.supply_type
    for name, expected in case.header.items():
        assert getattr(result, name) == D(expected), name
    for name, expected in case.first_line.items():
        assert getattr(result.lines[0], name) == D(expected), name
    assert result.endorsement == case.endorsement
    if case.words is not None:
        assert result.amount_in_words == case.words
    assert_consistent(result)
    assert_matches_reference(case.lines, case.context, result)


def test_multi_rate_breakdown() -> None:
    case = next(c for c in CASES if c.id == "multi-rate invoice")
    result = compute_document(case.lines, case.context)
    rows = [
        (b.gst_rate, b.cess_rate, b.taxable_value, b.cgst_amount, b.sgst_amount, b.cess_amount)
        for b in result.breakdown
    ]
    assert rows == [
        (D("0"), D("0"), D("40.00"), D("0.00"), D("0.00"), D("0.00")),
        (D("5"), D("0"), D("50.00"), D("1.25"), D("1.25"), D("0.00")),
        (D("18"), D("0"), D("230.00"), D("20.70"), D("20.70"), D("0.00")),
        (D("28"), D("12"), D("100.00"), D("14.00"), D("14.00"), D("12.00")),
    ]


def test_lut_collapses_breakdown_to_zero_rate() -> None:
    lines = [line("1", "100", "18"), line("1", "200", "5", cess="12")]
    result = compute_document(lines, ctx("27", "96", zero_rated_mode=LUT))
    assert [(b.gst_rate, b.cess_rate, b.taxable_value) for b in result.breakdown] == [
        (D("0"), D("0"), D("300.00"))
    ]


def test_rupee_ties_round_up() -> None:
    # 0% so the total is the price: 10.50 -> 11 (+0.50), 10.49 -> 10 (-0.49), 10.51 -> 11.
    for price, round_off, total in [
        ("10.50", "0.50", "11.00"),
        ("10.49", "-0.49", "10.00"),
        ("10.51", "0.49", "11.00"),
        ("0.50", "0.50", "1.00"),
        ("0.49", "-0.49", "0.00"),
    ]:
        result = compute_document([line("1", price, "0")], ctx("27", "27"))
        assert (result.round_off, result.grand_total) == (D(round_off), D(total)), price


def test_empty_document_prices_to_zero() -> None:
    result = compute_document([], ctx("27", "27"))
    assert result.lines == ()
    assert result.breakdown == ()
    assert result.grand_total == D("0.00")
    assert result.amount_in_words == "Rupees Zero Only"
    assert_consistent(result)


def test_full_percent_discount_leaves_nothing_taxable() -> None:
    result = compute_document(
        [line("3", "19.99", "18", discount="100", discount_type=PCT)], ctx("27", "29")
    )
    assert (result.subtotal, result.discount_total, result.taxable_total) == (
        D("59.97"),
        D("59.97"),
        D("0.00"),
    )
    assert result.grand_total == D("0.00")


def test_discount_equal_to_gross_is_allowed() -> None:
    result = compute_document([line("2", "5.005", "5", discount="10.01")], ctx("27", "27"))
    assert result.taxable_total == D("0.00")


def test_trailing_zeros_do_not_count_as_decimals() -> None:
    result = compute_document([line("1.500000", "2.000000", "18.0000000")], ctx("27", "29"))
    assert result.igst_total == D("0.54")  # 18% of 3.00


def test_very_large_values_stay_exact() -> None:
    # 999,999,999,999.999 x 99,999,999,999.9999 needs 36 digits: beyond the default context.
    quantity, price = D("999999999999999.999"), D("99999999999999.9999")
    result = compute_document([LineInput(quantity, price, D("18"))], ctx("27", "29"))
    exact = Fraction(quantity) * Fraction(price)
    assert Fraction(result.subtotal) == ref_paise(exact)
    assert Fraction(result.igst_total) == ref_paise(Fraction(result.subtotal) * 18 / 100)
    assert_consistent(result)


# ------------------------------------------------------------------ supply type


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (ctx("27", "27"), SupplyType.INTRA_STATE),
        (ctx("27", "29"), SupplyType.INTER_STATE),
        (ctx("7", "07"), SupplyType.INTRA_STATE),  # single digit is zero-padded
        (ctx("25", "26"), SupplyType.INTRA_STATE),
        (ctx("26", "25"), SupplyType.INTRA_STATE),
        (ctx("27", "27", customer_is_sez=True), SupplyType.SEZ),
        (ctx("27", "29", customer_is_sez=True), SupplyType.SEZ),
        (ctx("27", "96"), SupplyType.EXPORT),
        (ctx("27", "27", is_export=True), SupplyType.EXPORT),
        (ctx("27", "96", customer_is_sez=True), SupplyType.EXPORT),
        (ctx("27", "27", bill_of_supply=True), SupplyType.INTRA_STATE),
    ],
)
def test_supply_type_for(context: SupplyContext, expected: SupplyType) -> None:
    assert supply_type_for(context) is expected


@pytest.mark.parametrize(
    ("place", "second_head"),
    [
        ("04", "utgst"),
        ("26", "utgst"),
        ("31", "utgst"),
        ("35", "utgst"),
        ("38", "utgst"),
        ("97", "utgst"),
        ("07", "sgst"),
        ("34", "sgst"),
        ("01", "sgst"),
        ("27", "sgst"),
    ],
)
def test_utgst_or_sgst(place: str, second_head: str) -> None:
    result = compute_document([line("1", "100", "18")], ctx(place, place))
    other = "sgst" if second_head == "utgst" else "utgst"
    assert getattr(result, f"{second_head}_total") == D("9.00")
    assert getattr(result, f"{other}_total") == D("0.00")
    assert result.cgst_total == D("9.00")


def test_lut_ignored_on_domestic_supply() -> None:
    result = compute_document([line("1", "100", "18")], ctx("27", "29", zero_rated_mode=LUT))
    assert result.igst_total == D("18.00")
    assert result.endorsement is None


# ------------------------------------------------------------------ round_paise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-even would give 0.02
        ("1.125", "1.13"),
        ("1.1249999", "1.12"),
        ("2.675", "2.68"),  # the float 2.675 would round to 2.67
        ("-0.004", "0.00"),  # never "-0.00"
        ("7", "7.00"),
        ("123456789012345678901234567890.125", "123456789012345678901234567890.13"),
    ],
)
def test_round_paise(value: str, expected: str) -> None:
    result = round_paise(D(value))
    assert str(result) == expected


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (line("0", "10", "18"), r"^line 2: quantity must be more than 0"),
        (line("-1", "10", "18"), r"^line 2: quantity must be more than 0"),
        (line("1.2345", "10", "18"), r"^line 2: quantity may have at most 3 decimal places"),
        (line("1E15", "10", "18"), r"^line 2: quantity must be more than 0 and below 1E15"),
        (line("1", "-0.01", "18"), r"^line 2: unit price must be 0 or more"),
        (line("1", "1.23456", "18"), r"^line 2: unit price may have at most 4 decimal places"),
        (line("1", "10", "-5"), r"^line 2: GST rate must be between 0 and 100"),
        (line("1", "10", "101"), r"^line 2: GST rate must be between 0 and 100"),
        (line("1", "10", "0.12345"), r"^line 2: GST rate may have at most 4 decimal places"),
        (line("1", "10", "18", cess="401"), r"^line 2: cess rate must be between 0 and 400"),
        (line("1", "10", "18", cess="-1"), r"^line 2: cess rate must be between 0 and 400"),
        (line("1", "10", "18", discount="10.01"), r"^line 2: discount 10.01 is more than"),
        (line("1", "10", "18", discount="-1"), r"^line 2: discount cannot be negative"),
        (
            line("1", "10", "18", discount="100.01", discount_type=PCT),
            r"^line 2: discount percent must be between 0 and 100",
        ),
        (LineInput(D("NaN"), D("1"), D("18")), r"^line 2: quantity must be a finite number"),
        (LineInput(D("1"), D("Infinity"), D("18")), r"^line 2: unit price must be a finite"),
        (
            LineInput(D("1"), D("1"), D("18"), discount_type="bogus"),  # type: ignore[arg-type]
            r"^line 2: discount type must be 'amount' or 'percent'",
        ),
    ],
)
def test_invalid_line_names_its_index(bad: LineInput, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_document([line("1", "1", "18"), bad], ctx("27", "27"))


def test_float_is_refused() -> None:
    bad = LineInput(1.5, D("1"), D("18"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^line 1: quantity must be a Decimal, got float"):
        compute_document([bad], ctx("27", "27"))


def test_plain_string_enums_are_accepted() -> None:
    percent: Any = "percent"
    item = LineInput(D("1"), D("100"), D("18"), discount_type=percent, discount_value=D("10"))
    context = ctx("27", "96", zero_rated_mode="lut")
    result = compute_document([item], context)
    assert (result.taxable_total, result.tax_total) == (D("90.00"), D("0.00"))


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (ctx("27", "99"), r"^place of supply: State code 99"),
        (ctx("AB", "27"), r"^supplier state: State code 'AB'"),
        (ctx("96", "27"), r"^supplier state cannot be 96"),
        (ctx("27", "27", zero_rated_mode="bond"), r"^zero-rated mode must be one of"),
        (ctx("27", "27", reverse_charge=True, bill_of_supply=True), r"bill of supply"),
        (ctx("27", "96", reverse_charge=True), r"^Reverse charge does not apply to exports"),
        (ctx("27", "29", reverse_charge=True, customer_is_sez=True), r"^Reverse charge"),
    ],
)
def test_invalid_context(context: SupplyContext, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_document([line("1", "1", "18")], context)


def test_results_are_frozen() -> None:
    result = compute_document([line("1", "1", "18")], ctx("27", "27"))
    with pytest.raises(AttributeError):
        result.grand_total = D("0")  # type: ignore[misc]
    assert {f.name for f in fields(LineResult)} >= set(LINE_AMOUNTS)


# ------------------------------------------------------------------ properties

RATES = [D(r) for r in ("0", "0.25", "1.5", "3", "5", "18", "40", "0.1", "1", "6", "7.5", "12")]
RATES.append(D("28"))
CESS_RATES = [D(r) for r in ("0", "0", "0", "1", "3", "12", "15", "22", "65", "160", "290")]
SUPPLIERS = ["27", "29", "07", "04", "26", "25", "01", "34", "35", "38", "97", "33"]
PLACES = [*SUPPLIERS, "96"]


@st.composite
def line_inputs(draw: st.DrawFn) -> LineInput:
    quantity = D(draw(st.integers(1, 10_000_000))).scaleb(-3)  # 0.001 .. 10,000.000
    price = D(draw(st.integers(0, 1_000_000_000))).scaleb(-4)  # 0 .. 1,00,000.0000
    gross = round_paise(quantity * price)
    kind = draw(st.sampled_from(["none", "amount", "percent"]))
    if kind == "amount":
        discount_type = DiscountType.AMOUNT
        discount = D(draw(st.integers(0, int(gross * 100)))).scaleb(-2)
    elif kind == "percent":
        discount_type = DiscountType.PERCENT
        discount = D(draw(st.integers(0, 1_000_000))).scaleb(-4)  # 0 .. 100.0000
    else:
        discount_type, discount = DiscountType.AMOUNT, D("0")
    return LineInput(
        quantity=quantity,
        unit_price=price,
        gst_rate=draw(st.sampled_from(RATES)),
        cess_rate=draw(st.sampled_from(CESS_RATES)),
        discount_type=discount_type,
        discount_value=discount,
    )


@st.composite
def contexts(draw: st.DrawFn) -> SupplyContext:
    supplier = draw(st.sampled_from(SUPPLIERS))
    place = draw(st.sampled_from([supplier, supplier, *PLACES]))
    context = SupplyContext(
        supplier_state=supplier,
        place_of_supply=place,
        customer_is_sez=draw(st.booleans()),
        zero_rated_mode=draw(st.sampled_from(list(ZeroRatedMode))),
        is_export=draw(st.integers(0, 4)) == 0,
        bill_of_supply=draw(st.integers(0, 4)) == 0,
        reverse_charge=draw(st.booleans()),
        apply_round_off=draw(st.integers(0, 4)) != 0,
    )
    supply = supply_type_for(context)
    if context.bill_of_supply or supply in (SupplyType.EXPORT, SupplyType.SEZ):
        # Refused combinations (tested above); keep the rest of the draw.
        return replace(context, reverse_charge=False)
    return context


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_inputs(), min_size=1, max_size=40), contexts())
def test_properties(lines: list[LineInput], context: SupplyContext) -> None:
    result = compute_document(lines, context)
    assert_consistent(result)
    assert_matches_reference(lines, context, result)
    supply = result.supply_type
    for item in result.lines:
        if supply is SupplyType.INTRA_STATE:
            assert item.igst_amount == 0
            assert item.cgst_amount == item.sgst_amount + item.utgst_amount
            assert item.sgst_amount == 0 or item.utgst_amount == 0
            if item.utgst_amount == 0:
                assert item.cgst_amount == item.sgst_amount
        else:
            assert item.cgst_amount == item.sgst_amount == item.utgst_amount == 0
        if context.bill_of_supply or (
            supply in (SupplyType.EXPORT, SupplyType.SEZ) and context.zero_rated_mode == LUT
        ):
            assert item.gst_rate == item.cess_rate == 0
            assert item.line_total == item.taxable_value
    if not context.apply_round_off:
        assert result.round_off == 0
    else:
        assert result.grand_total == result.grand_total.to_integral_value()
    if context.reverse_charge:
        assert result.endorsement == ENDORSEMENT_REVERSE_CHARGE
        assert abs(result.amount_payable - result.taxable_total) <= D("0.50")
    else:
        assert result.amount_payable == result.grand_total


@settings(max_examples=200, deadline=None)
@given(st.lists(line_inputs(), min_size=1, max_size=40))
def test_intra_halves_are_equal_and_inter_has_only_igst(lines: list[LineInput]) -> None:
    intra = compute_document(lines, ctx("27", "27"))
    inter = compute_document(lines, ctx("27", "29"))
    for a, b in zip(intra.lines, inter.lines, strict=True):
        assert a.cgst_amount == a.sgst_amount
        assert a.igst_amount == a.utgst_amount == 0
        assert b.cgst_amount == b.sgst_amount == b.utgst_amount == 0
        assert a.taxable_value == b.taxable_value
        # Two rounded halves differ from the rounded whole by at most one paisa.
        assert abs(a.cgst_amount + a.sgst_amount - b.igst_amount) <= D("0.01")


# ------------------------------------------------------------------ 1,000 lines


def odd_lines(seed: int, count: int) -> list[LineInput]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        quantity = D(rng.randint(1, 99_999)).scaleb(-3)  # like 7.777, 0.333
        price = D(rng.randint(1, 99_999_999)).scaleb(-4)  # like 3333.3333, 0.0049
        gross = round_paise(quantity * price)
        roll = rng.random()
        if roll < 0.3:
            discount_type = DiscountType.PERCENT
            discount = D(rng.choice(["2.5", "7.77", "12.5", "33.3333", "0.01"]))
        elif roll < 0.5:
            discount_type = DiscountType.AMOUNT
            discount = D(rng.randint(0, int(gross * 100))).scaleb(-2)
        else:
            discount_type, discount = DiscountType.AMOUNT, D("0")
        lines.append(
            LineInput(
                quantity=quantity,
                unit_price=price,
                gst_rate=rng.choice(RATES),
                cess_rate=rng.choice(CESS_RATES),
                discount_type=discount_type,
                discount_value=discount,
            )
        )
    return lines


@pytest.mark.parametrize("place", ["27", "29", "96"])
def test_thousand_line_invoice_adds_up_to_the_paisa(place: str) -> None:
    lines = odd_lines(seed=20250922, count=1000)
    context = ctx("27", place, zero_rated_mode=PAID)
    result = compute_document(lines, context)
    assert len(result.lines) == 1000
    assert_consistent(result)
    assert_matches_reference(lines, context, result)
    # Header totals recomputed independently from the reference lines, in Fractions.
    reference = [ref_line(item, result.supply_type, context) for item in lines]
    for total, part in SUMS.items():
        assert Fraction(getattr(result, total)) == sum(r[part] for r in reference), total
    unrounded = sum(r["line_total"] for r in reference)
    rounded = int(unrounded + Fraction(1, 2))
    assert Fraction(result.grand_total) == rounded
    assert Fraction(result.round_off) == rounded - unrounded
    # The printed invoice: what the lines show adds up to what the header shows.
    assert sum((x.line_total for x in result.lines), D("0")) + result.round_off == (
        result.grand_total
    )
