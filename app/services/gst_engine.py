"""GST calculation for invoices and credit notes: a pure function of lines and supply context.

No database, no I/O, no floats. Every service that prices a document calls
:func:`compute_document`, so the PDF, the stored totals, GSTR-1 and the e-invoice agree to the
paisa. Rounding happens per line (half-up to paise, in :func:`round_paise` only) and header
totals are exact sums of line values, because CGST Rule 46 invoices show tax per line and the
lines must add up to the header; a single separate round-off then takes the invoice to the
nearest rupee.

Decisions the rules leave open, taken here once:

* ``ZeroRatedMode.NONE`` on an export or SEZ supply means IGST is charged (as ``WITH_PAYMENT``):
  supplying without tax needs an LUT or bond, which the caller must state explicitly.
* ``zero_rated_mode`` is ignored on domestic (intra/inter-state) supplies.
* A bill of supply carries no tax whatever the supply type; it cannot be under reverse charge.
* Reverse charge is refused on exports and SEZ supplies (zero-rated, not a recipient liability).
* Lines are numbered from 1 in error messages, like the stored ``position``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Final

from app.models.enums import DiscountType, SupplyType, ZeroRatedMode
from app.utils.gst import amount_in_words, normalize_state_code, uses_utgst

__all__ = [
    "ENDORSEMENT_BILL_OF_SUPPLY",
    "ENDORSEMENT_COMPOSITION",
    "ENDORSEMENT_LUT",
    "ENDORSEMENT_REVERSE_CHARGE",
    "ENDORSEMENT_WITH_PAYMENT",
    "HEADER_FIELDS",
    "LINE_TAX_FIELDS",
    "DocumentResult",
    "LineInput",
    "LineResult",
    "RateBreakdown",
    "SupplyContext",
    "compute_document",
    "round_paise",
    "supply_type_for",
]

#: CGST Rule 46 endorsement for zero-rated supplies made under bond or LUT.
ENDORSEMENT_LUT: Final = (
    "SUPPLY MEANT FOR EXPORT / SUPPLY TO SEZ UNIT OR SEZ DEVELOPER FOR AUTHORISED OPERATIONS"
    " UNDER BOND OR LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX"
)
#: CGST Rule 46 endorsement for zero-rated supplies on which IGST is paid (and refunded later).
ENDORSEMENT_WITH_PAYMENT: Final = (
    "SUPPLY MEANT FOR EXPORT / SUPPLY TO SEZ UNIT OR SEZ DEVELOPER FOR AUTHORISED OPERATIONS"
    " ON PAYMENT OF INTEGRATED TAX"
)
#: CGST Rule 46(p): the invoice must say when the recipient pays the tax.
ENDORSEMENT_REVERSE_CHARGE: Final = "Tax is payable on reverse charge basis"
#: CGST Rule 49: a bill of supply shows no tax.
ENDORSEMENT_BILL_OF_SUPPLY: Final = "Bill of Supply — no tax charged"
# What a composition supplier's bill of supply must say (the invoice service picks it).
ENDORSEMENT_COMPOSITION: Final = (
    "Bill of Supply — composition taxable person, not eligible to collect tax on supplies"
)

_PAISE: Final = Decimal("0.01")
_RUPEE: Final = Decimal("1")
_ZERO: Final = Decimal("0.00")
_NO_RATE: Final = Decimal("0")
_HUNDRED: Final = Decimal("100")
_OTHER_COUNTRY: Final = "96"

_MAX_GST_RATE: Final = Decimal("100")
_MAX_CESS_RATE: Final = Decimal("400")
# Limits of the stored columns: quantity NUMERIC(18,3), price NUMERIC(18,4), rates (7,4).
_QUANTITY_PLACES: Final = 3
_PRICE_PLACES: Final = 4
_RATE_PLACES: Final = 4
_MAX_QUANTITY: Final = Decimal("1E15")
_MAX_PRICE: Final = Decimal("1E14")

# Within the limits above no product needs more than ~45 digits, so with 80 every
# multiplication and division by 2 or 100 is exact; only round_paise rounds (with its own
# context). Inexact is trapped so that a silent rounding anywhere else would fail loudly.
_EXACT: Final = Context(
    prec=80,
    rounding=ROUND_HALF_EVEN,
    traps=[Inexact, InvalidOperation, DivisionByZero, Overflow],
)


# What a caller copies from a result onto its stored document and lines (the names of
# DocumentResult and LineResult attributes that are also columns).
HEADER_FIELDS: Final = (
    "subtotal",
    "discount_total",
    "taxable_total",
    "cgst_total",
    "sgst_total",
    "utgst_total",
    "igst_total",
    "cess_total",
    "round_off",
    "grand_total",
    "amount_in_words",
    "supply_type",
)
LINE_TAX_FIELDS: Final = (
    "taxable_value",
    "cgst_amount",
    "sgst_amount",
    "utgst_amount",
    "igst_amount",
    "cess_amount",
    "line_total",
)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class LineInput:
    """One document line as entered: amounts in rupees, rates in percent."""

    quantity: Decimal
    unit_price: Decimal
    gst_rate: Decimal
    cess_rate: Decimal = Decimal("0")
    discount_type: DiscountType = DiscountType.AMOUNT
    discount_value: Decimal = Decimal("0")


@dataclass(frozen=True)
class SupplyContext:
    """Who supplies to where, and under which regime: decides the tax heads."""

    supplier_state: str
    place_of_supply: str
    customer_is_sez: bool = False
    zero_rated_mode: ZeroRatedMode = ZeroRatedMode.NONE
    is_export: bool = False
    bill_of_supply: bool = False
    reverse_charge: bool = False
    apply_round_off: bool = True


@dataclass(frozen=True)
class LineResult:
    """A priced line; every amount is rounded to paise and is what the invoice prints."""

    gross: Decimal
    discount_amount: Decimal
    taxable_value: Decimal
    gst_rate: Decimal
    cess_rate: Decimal
    cgst_rate: Decimal
    sgst_rate: Decimal
    utgst_rate: Decimal
    igst_rate: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    utgst_amount: Decimal
    igst_amount: Decimal
    cess_amount: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class RateBreakdown:
    """Totals for one (GST rate, cess rate) pair: the invoice tax summary and GSTR-1 rows."""

    gst_rate: Decimal
    cess_rate: Decimal
    taxable_value: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    utgst_amount: Decimal
    igst_amount: Decimal
    cess_amount: Decimal


@dataclass(frozen=True)
class DocumentResult:
    """Lines and header of a priced document; header totals are exact sums of the lines."""

    supply_type: SupplyType
    lines: tuple[LineResult, ...]
    subtotal: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst_total: Decimal
    sgst_total: Decimal
    utgst_total: Decimal
    igst_total: Decimal
    cess_total: Decimal
    tax_total: Decimal
    round_off: Decimal
    grand_total: Decimal
    amount_payable: Decimal
    amount_in_words: str
    breakdown: tuple[RateBreakdown, ...]
    endorsement: str | None


@dataclass(frozen=True)
class _Regime:
    """How the lines of one document are taxed, decided once from the context."""

    charges_tax: bool
    split: bool  # intra-state: two halves instead of IGST
    utgst: bool  # the second half is UTGST rather than SGST


# --------------------------------------------------------------------------- rounding


def _round_half_up(value: Decimal, unit: Decimal) -> Decimal:
    # A context wide enough for the value, so a large amount is never refused or truncated.
    wide = Context(prec=max(28, value.adjusted() + 4))
    rounded = value.quantize(unit, rounding=ROUND_HALF_UP, context=wide)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never print "-0.00"


def round_paise(value: Decimal) -> Decimal:
    """Round half-up to paise: the one rounding rule for every amount on a document.

    Half-up (not banker's rounding) is what GST invoices and the e-invoice portal use.
    """
    return _round_half_up(value, _PAISE)


def _rupee_adjustment(value: Decimal) -> Decimal:
    """Return what takes a paise amount to the nearest rupee (50 paise rounds up)."""
    return _round_half_up(value, _RUPEE) - value


# --------------------------------------------------------------------------- validation


def _decimal_places(value: Decimal) -> int:
    """Count the significant decimals, ignoring trailing zeros ("1.500" has 1)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values only reach here
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing)) if any(digits) else 0


def _check_decimal(where: str, name: str, value: object, places: int) -> Decimal:
    """Refuse anything but a finite Decimal with at most ``places`` decimals."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{where}: {name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{where}: {name} must be a finite number")
    # The exponent alone settles the usual case ("1500.00"): trailing zeros are only
    # counted when it has more places than allowed.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places and _decimal_places(value) > places:
        raise ValueError(f"{where}: {name} may have at most {places} decimal places, got {value}")
    return value


def _check_range(where: str, name: str, value: Decimal, upper: Decimal) -> None:
    if not Decimal(0) <= value <= upper:
        raise ValueError(f"{where}: {name} must be between 0 and {upper}, got {value}")


def _validate_line(where: str, line: LineInput) -> DiscountType:
    """Check one line and return its discount type as a member (a plain str is accepted)."""
    quantity = _check_decimal(where, "quantity", line.quantity, _QUANTITY_PLACES)
    if not Decimal(0) < quantity < _MAX_QUANTITY:
        raise ValueError(f"{where}: quantity must be more than 0 and below 1E15, got {quantity}")
    price = _check_decimal(where, "unit price", line.unit_price, _PRICE_PLACES)
    if not Decimal(0) <= price < _MAX_PRICE:
        raise ValueError(f"{where}: unit price must be 0 or more and below 1E14, got {price}")
    gst_rate = _check_decimal(where, "GST rate", line.gst_rate, _RATE_PLACES)
    _check_range(where, "GST rate", gst_rate, _MAX_GST_RATE)
    cess_rate = _check_decimal(where, "cess rate", line.cess_rate, _RATE_PLACES)
    _check_range(where, "cess rate", cess_rate, _MAX_CESS_RATE)
    try:
        discount_type = DiscountType(line.discount_type)
    except ValueError:
        raise ValueError(
            f"{where}: discount type must be 'amount' or 'percent', got {line.discount_type!r}"
        ) from None
    discount = _check_decimal(where, "discount", line.discount_value, _PRICE_PLACES)
    if discount < 0:
        raise ValueError(f"{where}: discount cannot be negative, got {discount}")
    if discount_type is DiscountType.PERCENT and discount > _HUNDRED:
        raise ValueError(f"{where}: discount percent must be between 0 and 100, got {discount}")
    return discount_type


def _zero_rated_mode(ctx: SupplyContext) -> ZeroRatedMode:
    try:
        return ZeroRatedMode(ctx.zero_rated_mode)
    except ValueError:
        raise ValueError(
            f"zero-rated mode must be one of none, lut, with_payment; got {ctx.zero_rated_mode!r}"
        ) from None


# --------------------------------------------------------------------------- supply type


def _state(code: str, what: str) -> str:
    try:
        return normalize_state_code(code)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def supply_type_for(ctx: SupplyContext) -> SupplyType:
    """Decide the tax heads from where the supply goes (IGST Act ss.7-8, 16).

    Export wins over SEZ, and SEZ over the state comparison: a supply to an SEZ is
    inter-state even inside the supplier's state. State codes are normalised, so a
    legacy 25 (Daman and Diu) place of supply matches a 26 supplier.
    """
    supplier = _state(ctx.supplier_state, "supplier state")
    if supplier == _OTHER_COUNTRY:
        raise ValueError("supplier state cannot be 96 (Other Country): it is a place of supply")
    place = _state(ctx.place_of_supply, "place of supply")
    if ctx.is_export or place == _OTHER_COUNTRY:
        return SupplyType.EXPORT
    if ctx.customer_is_sez:
        return SupplyType.SEZ
    return SupplyType.INTRA_STATE if supplier == place else SupplyType.INTER_STATE


def _regime(ctx: SupplyContext, supply_type: SupplyType) -> tuple[_Regime, str | None]:
    """Decide whether and how tax is charged, and the endorsement the document must carry."""
    zero_rated = supply_type in (SupplyType.EXPORT, SupplyType.SEZ)
    mode = _zero_rated_mode(ctx)
    if ctx.reverse_charge and ctx.bill_of_supply:
        raise ValueError("A bill of supply carries no tax, so it cannot be under reverse charge")
    if ctx.reverse_charge and zero_rated:
        raise ValueError("Reverse charge does not apply to exports or supplies to an SEZ")
    if ctx.bill_of_supply:
        return _Regime(charges_tax=False, split=False, utgst=False), ENDORSEMENT_BILL_OF_SUPPLY
    if zero_rated:
        if mode is ZeroRatedMode.LUT:
            return _Regime(charges_tax=False, split=False, utgst=False), ENDORSEMENT_LUT
        return _Regime(charges_tax=True, split=False, utgst=False), ENDORSEMENT_WITH_PAYMENT
    endorsement = ENDORSEMENT_REVERSE_CHARGE if ctx.reverse_charge else None
    if supply_type is SupplyType.INTRA_STATE:
        split = _Regime(charges_tax=True, split=True, utgst=uses_utgst(ctx.place_of_supply))
        return split, endorsement
    return _Regime(charges_tax=True, split=False, utgst=False), endorsement


# --------------------------------------------------------------------------- lines


def _price_line(where: str, line: LineInput, regime: _Regime) -> LineResult:
    """Price one validated line; every amount is rounded here and nowhere else."""
    discount_type = _validate_line(where, line)
    gross = round_paise(line.quantity * line.unit_price)
    if discount_type is DiscountType.PERCENT:
        discount = round_paise(gross * line.discount_value / _HUNDRED)
    else:
        if line.discount_value > gross:
            raise ValueError(
                f"{where}: discount {line.discount_value} is more than the line amount {gross}"
            )
        discount = round_paise(line.discount_value)
    taxable = gross - discount

    gst_rate = line.gst_rate if regime.charges_tax else _NO_RATE
    cess_rate = line.cess_rate if regime.charges_tax else _NO_RATE
    cgst_rate = sgst_rate = utgst_rate = igst_rate = _NO_RATE
    if regime.split:
        cgst_rate = gst_rate / 2
        if regime.utgst:
            utgst_rate = cgst_rate
        else:
            sgst_rate = cgst_rate
    else:
        igst_rate = gst_rate

    def tax(rate: Decimal) -> Decimal:
        return round_paise(taxable * rate / _HUNDRED) if rate else _ZERO

    cgst, sgst, utgst, igst, cess = (
        tax(r) for r in (cgst_rate, sgst_rate, utgst_rate, igst_rate, cess_rate)
    )
    return LineResult(
        gross=gross,
        discount_amount=discount,
        taxable_value=taxable,
        gst_rate=gst_rate,
        cess_rate=cess_rate,
        cgst_rate=cgst_rate,
        sgst_rate=sgst_rate,
        utgst_rate=utgst_rate,
        igst_rate=igst_rate,
        cgst_amount=cgst,
        sgst_amount=sgst,
        utgst_amount=utgst,
        igst_amount=igst,
        cess_amount=cess,
        line_total=taxable + cgst + sgst + utgst + igst + cess,
    )


def _sum(values: Iterable[Decimal]) -> Decimal:
    """Add paise amounts exactly; starting from 0.00 keeps two decimals on an empty sum."""
    return sum(values, _ZERO)


def _breakdown(lines: Sequence[LineResult]) -> tuple[RateBreakdown, ...]:
    """Sum lines per (applied GST rate, cess rate), in rate order."""
    groups: dict[tuple[Decimal, Decimal], list[LineResult]] = {}
    for line in lines:
        groups.setdefault((line.gst_rate, line.cess_rate), []).append(line)
    return tuple(
        RateBreakdown(
            gst_rate=gst_rate,
            cess_rate=cess_rate,
            taxable_value=_sum(x.taxable_value for x in group),
            cgst_amount=_sum(x.cgst_amount for x in group),
            sgst_amount=_sum(x.sgst_amount for x in group),
            utgst_amount=_sum(x.utgst_amount for x in group),
            igst_amount=_sum(x.igst_amount for x in group),
            cess_amount=_sum(x.cess_amount for x in group),
        )
        for (gst_rate, cess_rate), group in sorted(groups.items())
    )


# --------------------------------------------------------------------------- document


def compute_document(lines: Sequence[LineInput], ctx: SupplyContext) -> DocumentResult:
    """Price a whole document: per-line tax, exact header sums, round-off and endorsement.

    Raises ``ValueError`` naming the line ("line 3: ...") for bad input, and ``TypeError``
    for a non-Decimal amount. An empty document prices to zero, so a draft without lines
    still has totals. Under reverse charge the taxes are computed and reported as usual,
    but ``amount_payable`` (and its words) leaves them out: the recipient pays them to the
    government. ``round_off`` always belongs to ``grand_total``.
    """
    supply_type = supply_type_for(ctx)
    regime, endorsement = _regime(ctx, supply_type)
    with localcontext(_EXACT):
        priced = tuple(
            _price_line(f"line {index}", line, regime) for index, line in enumerate(lines, 1)
        )

        subtotal = _sum(x.gross for x in priced)
        discount_total = _sum(x.discount_amount for x in priced)
        taxable_total = _sum(x.taxable_value for x in priced)
        cgst_total = _sum(x.cgst_amount for x in priced)
        sgst_total = _sum(x.sgst_amount for x in priced)
        utgst_total = _sum(x.utgst_amount for x in priced)
        igst_total = _sum(x.igst_amount for x in priced)
        cess_total = _sum(x.cess_amount for x in priced)
        tax_total = cgst_total + sgst_total + utgst_total + igst_total + cess_total
        unrounded = taxable_total + tax_total
        round_off = _rupee_adjustment(unrounded) if ctx.apply_round_off else _ZERO
        grand_total = unrounded + round_off
        if ctx.reverse_charge:
            payable_adjustment = _rupee_adjustment(taxable_total) if ctx.apply_round_off else _ZERO
            amount_payable = taxable_total + payable_adjustment
        else:
            amount_payable = grand_total
        breakdown = _breakdown(priced)

    return DocumentResult(
        supply_type=supply_type,
        lines=priced,
        subtotal=subtotal,
        discount_total=discount_total,
        taxable_total=taxable_total,
        cgst_total=cgst_total,
        sgst_total=sgst_total,
        utgst_total=utgst_total,
        igst_total=igst_total,
        cess_total=cess_total,
        tax_total=tax_total,
        round_off=round_off,
        grand_total=grand_total,
        amount_payable=amount_payable,
        amount_in_words=amount_in_words(amount_payable),
        breakdown=breakdown,
        endorsement=endorsement,
    )
