"""Pure GST domain helpers: state codes, GSTIN/PAN/HSN checks, amount in words, financial years.

Everything here is plain data and pure functions, so that schemas, services and the PDF
renderer agree on one definition and the rules can be unit-tested without a database.
The reference data (state codes, GSTIN layout, UQC list) is copied into this module on
purpose: the product must not depend on any file outside the package at run time.

Every validator raises ``ValueError`` with a sentence a user can act on; Pydantic turns a
``ValueError`` raised inside a validator into a 422 with that message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final

from num2words import num2words
from stdnum import luhn

__all__ = [
    "LEGACY_STATE_CODES",
    "STATES",
    "UQC_CODES",
    "StateInfo",
    "amount_in_words",
    "financial_year",
    "financial_year_bounds",
    "gstin_check_character",
    "gstin_matches_state",
    "gstin_state_code",
    "is_valid_state_code",
    "normalize_state_code",
    "state_name",
    "uses_utgst",
    "validate_gstin",
    "validate_hsn_sac",
    "validate_pan",
]


# --------------------------------------------------------------------------- states


@dataclass(frozen=True, slots=True)
class StateInfo:
    """One GST state/UT code.

    ``is_union_territory_without_legislature`` decides the intra-state tax pair: CGST + UTGST
    when true, CGST + SGST otherwise (Delhi, Puducherry and Jammu & Kashmir have legislatures,
    so they levy SGST).
    """

    code: str
    name: str
    is_union_territory_without_legislature: bool


def _state(code: str, name: str, utgst: bool = False) -> StateInfo:
    return StateInfo(code=code, name=name, is_union_territory_without_legislature=utgst)


_DNH_DD: Final = _state("26", "Dadra and Nagar Haveli and Daman and Diu", utgst=True)

#: Legacy codes still found on historical data, mapped to the code that replaced them.
#: Daman and Diu (25) merged into 26 in January 2020.
LEGACY_STATE_CODES: Final[dict[str, str]] = {"25": "26"}

#: Every GST state/UT code, keyed by its two-digit code. ``STATES["25"]`` is an alias of the
#: ``"26"`` entry (its ``code`` is ``"26"``), so list current codes with ``code == key``.
#: ``"96"`` (Other Country) is a place of supply for exports only, never a GSTIN prefix.
#: ``"28"`` is undivided Andhra Pradesh, kept for old data; current Andhra Pradesh is ``"37"``.
STATES: Final[dict[str, StateInfo]] = {
    s.code: s
    for s in (
        _state("01", "Jammu and Kashmir"),
        _state("02", "Himachal Pradesh"),
        _state("03", "Punjab"),
        _state("04", "Chandigarh", utgst=True),
        _state("05", "Uttarakhand"),
        _state("06", "Haryana"),
        _state("07", "Delhi"),
        _state("08", "Rajasthan"),
        _state("09", "Uttar Pradesh"),
        _state("10", "Bihar"),
        _state("11", "Sikkim"),
        _state("12", "Arunachal Pradesh"),
        _state("13", "Nagaland"),
        _state("14", "Manipur"),
        _state("15", "Mizoram"),
        _state("16", "Tripura"),
        _state("17", "Meghalaya"),
        _state("18", "Assam"),
        _state("19", "West Bengal"),
        _state("20", "Jharkhand"),
        _state("21", "Odisha"),
        _state("22", "Chhattisgarh"),
        _state("23", "Madhya Pradesh"),
        _state("24", "Gujarat"),
        _DNH_DD,
        _state("27", "Maharashtra"),
        _state("28", "Andhra Pradesh (before division)"),
        _state("29", "Karnataka"),
        _state("30", "Goa"),
        _state("31", "Lakshadweep", utgst=True),
        _state("32", "Kerala"),
        _state("33", "Tamil Nadu"),
        _state("34", "Puducherry"),
        _state("35", "Andaman and Nicobar Islands", utgst=True),
        _state("36", "Telangana"),
        _state("37", "Andhra Pradesh"),
        _state("38", "Ladakh", utgst=True),
        _state("96", "Other Country"),
        _state("97", "Other Territory", utgst=True),
    )
}
STATES["25"] = _DNH_DD

_OTHER_COUNTRY: Final = "96"
_STATE_CODE_RE: Final = re.compile(r"[0-9]{1,2}")


def normalize_state_code(code: str) -> str:
    """Return the canonical two-digit code for user or legacy input.

    Zero-pads a single digit (``"7"`` -> ``"07"``) and maps legacy codes (``"25"`` -> ``"26"``)
    so that place-of-supply comparisons see one code per territory.
    """
    cleaned = code.strip()
    if not _STATE_CODE_RE.fullmatch(cleaned):
        raise ValueError(f"State code {code!r} is not a GST state code (expected two digits)")
    cleaned = cleaned.zfill(2)
    if cleaned not in STATES:
        raise ValueError(f"State code {cleaned} is not a GST state code")
    return LEGACY_STATE_CODES.get(cleaned, cleaned)


def is_valid_state_code(code: str) -> bool:
    """Tell whether ``code`` is exactly a known two-digit code (legacy ``"25"`` included).

    Strict on purpose, so it can guard stored values: ``"7"`` or ``" 07"`` are not valid here;
    pass user input through :func:`normalize_state_code` instead.
    """
    return code in STATES


def state_name(code: str) -> str:
    """Return the current name for a state code, as printed in "place of supply"."""
    return STATES[normalize_state_code(code)].name


def uses_utgst(code: str) -> bool:
    """Tell whether an intra-state supply in this territory is taxed CGST + UTGST (not SGST)."""
    return STATES[normalize_state_code(code)].is_union_territory_without_legislature


# --------------------------------------------------------------------------- PAN / GSTIN

_PAN_LENGTH: Final = 10
_GSTIN_LENGTH: Final = 15
_PAN_RE: Final = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_GSTIN_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GSTIN_CHARS_RE: Final = re.compile(r"[0-9A-Z]+")
#: 14th GSTIN character: Z for a normal taxpayer, D for a TDS and C for a TCS registration.
_GSTIN_KIND_CHARS: Final = frozenset("ZDC")


def validate_pan(value: str) -> str:
    """Return the PAN stripped and upper-cased, or raise ``ValueError``.

    Checks the shape only (5 letters, 4 digits, 1 letter), so a real PAN is never rejected
    because of a holder-type letter this module does not know.
    """
    pan = value.strip().upper()
    if len(pan) != _PAN_LENGTH:
        raise ValueError(f"PAN must be 10 characters long, got {len(pan)}")
    if not _PAN_RE.fullmatch(pan):
        raise ValueError("PAN must be 5 letters, 4 digits and 1 letter, like AAAPL1234C")
    return pan


def gstin_check_character(first14: str) -> str:
    """Compute the 15th GSTIN character (Luhn mod 36 over 0-9A-Z) for the first 14.

    Exposed so that fixtures and factories can build valid GSTINs for any state.
    """
    head = first14.strip().upper()
    if len(head) != _GSTIN_LENGTH - 1 or not _GSTIN_CHARS_RE.fullmatch(head):
        raise ValueError("A GSTIN check character needs exactly 14 letters or digits")
    return luhn.calc_check_digit(head, _GSTIN_ALPHABET)


def validate_gstin(value: str) -> str:
    """Return the GSTIN stripped and upper-cased, or raise ``ValueError`` saying what is wrong.

    Checks the length, the state code (01-38 and 97; legacy 25 too), the embedded PAN, the
    13th character (1-9 or A-Z), the 14th (Z, or D/C for TDS/TCS registrations) and the check
    character. python-stdnum's ``gstin.validate`` is not used because its state table stops at
    37 and it only accepts Z; its public Luhn mod N routine computes the check character.
    """
    gstin = value.strip().upper()
    if len(gstin) != _GSTIN_LENGTH:
        raise ValueError(f"GSTIN must be 15 characters long, got {len(gstin)}")
    if not _GSTIN_CHARS_RE.fullmatch(gstin):
        raise ValueError("GSTIN may contain only letters A-Z and digits 0-9")
    state = gstin[:2]
    if not state.isdigit():
        raise ValueError("GSTIN must start with the two-digit state code")
    if state == _OTHER_COUNTRY:
        raise ValueError("GSTIN state code 96 (Other Country) is a place of supply, not a state")
    if state not in STATES:
        raise ValueError(f"GSTIN state code {state} is not a GST state")
    if not _PAN_RE.fullmatch(gstin[2:12]):
        raise ValueError("GSTIN characters 3-12 must be the PAN (5 letters, 4 digits, 1 letter)")
    if gstin[12] == "0":
        raise ValueError("GSTIN 13th character (registration number) must be 1-9 or A-Z, not 0")
    if gstin[13] not in _GSTIN_KIND_CHARS:
        raise ValueError(f"GSTIN 14th character must be Z (D for TDS, C for TCS), got {gstin[13]}")
    if luhn.calc_check_digit(gstin[:14], _GSTIN_ALPHABET) != gstin[14]:
        raise ValueError("GSTIN check character is wrong; check the number for typos")
    return gstin


def gstin_state_code(gstin: str) -> str:
    """Return the normalised state code of a valid GSTIN (legacy 25 comes back as 26)."""
    return normalize_state_code(validate_gstin(gstin)[:2])


def gstin_matches_state(gstin: str, state_code: str) -> bool:
    """Tell whether a GSTIN is registered in ``state_code`` (legacy 25 and 26 count as equal).

    Raises ``ValueError`` for an invalid GSTIN or an unknown state code rather than answering
    ``False``, so that bad input is not mistaken for a mismatch.
    """
    return gstin_state_code(gstin) == normalize_state_code(state_code)


# --------------------------------------------------------------------------- HSN / SAC

_DIGITS_RE: Final = re.compile(r"[0-9]+")
_HSN_LENGTHS: Final = (4, 6, 8)
_SAC_MAX_DIGITS: Final = 6


def validate_hsn_sac(code: str, min_digits: int = 4) -> str:
    """Return the stripped HSN (goods) or SAC (services) code, or raise ``ValueError``.

    Lengths 4, 6 or 8; SAC codes start with 99 and have at most 6 digits. ``min_digits``
    is the tenant's requirement (4 up to Rs 5 crore turnover, 6 above, 8 for exports); a
    6-digit SAC is the full code and therefore satisfies any requirement.
    """
    if min_digits not in _HSN_LENGTHS:
        raise ValueError(f"min_digits must be 4, 6 or 8, got {min_digits}")
    cleaned = code.strip()
    if not _DIGITS_RE.fullmatch(cleaned):
        raise ValueError("HSN/SAC code must contain digits only")
    if len(cleaned) not in _HSN_LENGTHS:
        raise ValueError(f"HSN/SAC code must have 4, 6 or 8 digits, got {len(cleaned)}")
    is_sac = cleaned.startswith("99")
    if is_sac and len(cleaned) > _SAC_MAX_DIGITS:
        raise ValueError("SAC code (starting with 99) must have 4 or 6 digits")
    required = min(min_digits, _SAC_MAX_DIGITS) if is_sac else min_digits
    if len(cleaned) < required:
        raise ValueError(f"HSN/SAC code must have at least {required} digits here")
    return cleaned


# --------------------------------------------------------------------------- amount in words

_PAISE: Final = Decimal("0.01")
_CRORE: Final = 10**7


def _indian_words(n: int) -> str:
    """Spell a non-negative integer in the Indian system, title case, without commas or "and".

    Splits at crore itself because num2words' en_IN stops below 1000 crore; the split gives
    the conventional "One Thousand Crore" form above that.
    """
    if n >= _CRORE:
        crores, rest = divmod(n, _CRORE)
        words = f"{_indian_words(crores)} Crore"
        return f"{words} {_indian_words(rest)}" if rest else words
    raw = str(num2words(n, lang="en_IN"))
    tokens = [t for t in raw.replace(",", " ").split() if t != "and"]
    return " ".join("-".join(p.capitalize() for p in t.split("-")) for t in tokens)


def amount_in_words(amount: Decimal | int) -> str:
    """Spell a rupee amount for the invoice, in the Indian numbering system (lakh, crore).

    Format: ``Rupees <rupees> Only`` or ``Rupees <rupees> and <paise> Paise Only`` (``Paisa``
    for one). Words are title case, tens are hyphenated, and there are no commas and no "and"
    inside a number; the only "and" joins rupees and paise. Examples: 118000 ->
    "Rupees One Lakh Eighteen Thousand Only"; 1234.50 ->
    "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only"; 0.50 ->
    "Rupees Zero and Fifty Paise Only". The amount is first rounded half-up to paise.
    Floats are refused: they cannot carry an exact money amount.
    """
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise TypeError(f"amount must be a Decimal or int, got {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError("amount must be a finite number")
    if value < 0:
        raise ValueError("amount in words needs an amount of zero or more")
    # The default 28-digit context would refuse to quantise a very large amount.
    exact = Context(prec=max(28, value.adjusted() + 4))
    in_paise = value.quantize(_PAISE, rounding=ROUND_HALF_UP, context=exact).scaleb(2)
    rupees, paise = divmod(int(in_paise), 100)
    text = f"Rupees {_indian_words(rupees)}"
    if paise:
        text += f" and {_indian_words(paise)} {'Paisa' if paise == 1 else 'Paise'}"
    return f"{text} Only"


# --------------------------------------------------------------------------- financial year

_FY_LABEL_RE: Final = re.compile(r"([0-9]{4})-([0-9]{2})")
_FY_FIRST_MONTH: Final = 4  # April
_FY_LAST_START_YEAR: Final = 9998  # date() stops at year 9999


def financial_year(d: date) -> str:
    """Return the Indian financial year (1 April - 31 March) of a date, like ``"2025-26"``.

    Invoice numbers must be unique within this period, so it keys numbering series.
    """
    start = d.year if d.month >= _FY_FIRST_MONTH else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_bounds(label: str) -> tuple[date, date]:
    """Return the first and last day (both inclusive) of a financial year label like "2025-26"."""
    match = _FY_LABEL_RE.fullmatch(label.strip())
    if match is None:
        raise ValueError(f"Financial year must look like 2025-26, got {label!r}")
    start = int(match.group(1))
    if int(match.group(2)) != (start + 1) % 100:
        raise ValueError(f"Financial year {label.strip()} must span two consecutive years")
    if not 1 <= start <= _FY_LAST_START_YEAR:
        raise ValueError(f"Financial year {label.strip()} is out of range")
    return date(start, _FY_FIRST_MONTH, 1), date(start + 1, _FY_FIRST_MONTH, 1) - timedelta(1)


# --------------------------------------------------------------------------- units

#: Unit Quantity Codes accepted in GSTR-1 (HSN summary) and the e-invoice/e-way bill schema.
#: Services report their HSN summary lines without a real unit (the portal shows "NA");
#: that is deliberately not a UQC here.
UQC_CODES: Final[frozenset[str]] = frozenset(
    {
        "BAG", "BAL", "BDL", "BKL", "BOU", "BOX", "BTL", "BUN", "CAN", "CBM",
        "CCM", "CMS", "CTN", "DOZ", "DRM", "GGK", "GMS", "GRS", "GYD", "KGS",
        "KLR", "KME", "LTR", "MLT", "MTR", "MTS", "NOS", "OTH", "PAC", "PCS",
        "PRS", "QTL", "ROL", "SET", "SQF", "SQM", "SQY", "TBS", "TGM", "THD",
        "TON", "TUB", "UGS", "UNT", "YDS",
    }
)  # fmt: skip
