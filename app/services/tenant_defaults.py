"""What every new tenant starts with: GST settings and the GST rate table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models import GstSettings, TaxRate

GST_2_START = date(2025, 9, 22)  # GST 2.0 slabs (0, 5, 18, 40 plus the special rates)
GST_START = date(2017, 7, 1)

# (rate, effective_from, effective_to): today's slabs, and the older ones kept for
# historic documents and credit notes against them.
DEFAULT_RATES: tuple[tuple[str, date, date | None], ...] = (
    ("0", GST_START, None),
    ("0.25", GST_START, None),
    ("1.5", GST_START, None),
    ("3", GST_START, None),
    ("5", GST_START, None),
    ("18", GST_START, None),
    ("40", GST_2_START, None),
    ("0.1", GST_START, date(2025, 9, 21)),
    ("1", GST_START, date(2025, 9, 21)),
    ("6", GST_START, date(2025, 9, 21)),
    ("7.5", GST_START, date(2025, 9, 21)),
    ("12", GST_START, date(2025, 9, 21)),
    ("28", GST_START, date(2026, 1, 31)),
)


def default_tax_rates() -> list[TaxRate]:
    return [
        TaxRate(
            name=f"GST {rate}%",
            rate=Decimal(rate),
            cess_rate=Decimal("0"),
            effective_from=start,
            effective_to=end,
        )
        for rate, start, end in DEFAULT_RATES
    ]


def default_gst_settings() -> GstSettings:
    return GstSettings(
        registration_type="regular",
        apply_round_off=True,
        hsn_digits_required=4,
        e_invoice_applicable=False,
    )
