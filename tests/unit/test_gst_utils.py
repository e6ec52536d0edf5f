"""Unit tests for app.utils.gst: pure functions, no fixtures, no database."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.utils.gst import (
    LEGACY_STATE_CODES,
    STATES,
    UQC_CODES,
    StateInfo,
    amount_in_words,
    financial_year,
    financial_year_bounds,
    gstin_check_character,
    gstin_matches_state,
    gstin_state_code,
    is_valid_state_code,
    normalize_state_code,
    state_name,
    uses_utgst,
    validate_gstin,
    validate_hsn_sac,
    validate_pan,
)

ALPHABET = string.digits + string.ascii_uppercase


def reference_check_character(first14: str) -> str:
    """Luhn mod 36 written from the spec, independent of python-stdnum.

    Weights 1, 2 alternate from the left; each product contributes quotient + remainder by 36.
    """
    total = 0
    for index, char in enumerate(first14):
        product = ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


# ------------------------------------------------------------------ states

EXPECTED_STATE_NAMES = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Dadra and Nagar Haveli and Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (before division)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "96": "Other Country",
    "97": "Other Territory",
}
UTGST_CODES = {"04", "25", "26", "31", "35", "38", "97"}


def test_states_cover_exactly_the_gst_codes() -> None:
    assert sorted(STATES) == sorted(EXPECTED_STATE_NAMES)
    assert {code: info.name for code, info in STATES.items()} == EXPECTED_STATE_NAMES


def test_state_info_is_keyed_by_its_own_code_except_legacy_alias() -> None:
    mismatched = {key: info.code for key, info in STATES.items() if key != info.code}
    assert mismatched == {"25": "26"}
    assert LEGACY_STATE_CODES == {"25": "26"}
    assert STATES["25"] is STATES["26"]


def test_state_info_is_frozen() -> None:
    info = STATES["27"]
    assert info == StateInfo("27", "Maharashtra", is_union_territory_without_legislature=False)
    with pytest.raises(AttributeError):
        info.name = "Bombay"  # type: ignore[misc]


@pytest.mark.parametrize("code", sorted(EXPECTED_STATE_NAMES))
def test_utgst_flag(code: str) -> None:
    expected = code in UTGST_CODES
    assert STATES[code].is_union_territory_without_legislature is expected
    assert uses_utgst(code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("04", True),  # Chandigarh
        ("26", True),
        ("25", True),  # legacy Daman and Diu
        ("31", True),
        ("35", True),
        ("38", True),  # Ladakh
        ("97", True),
        ("07", False),  # Delhi has a legislature: SGST
        ("34", False),  # Puducherry has a legislature: SGST
        ("01", False),  # Jammu and Kashmir has a legislature: SGST
        ("27", False),
        ("96", False),  # export: IGST, never intra-state
        ("7", False),
        ("4", True),
    ],
)
def test_uses_utgst(code: str, expected: bool) -> None:
    assert uses_utgst(code) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07", "07"),
        ("7", "07"),
        (" 7 ", "07"),
        ("25", "26"),
        ("26", "26"),
        ("38", "38"),
        ("96", "96"),
        ("97", "97"),
        ("28", "28"),
    ],
)
def test_normalize_state_code(raw: str, expected: str) -> None:
    assert normalize_state_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "0", "00", "39", "95", "98", "99", "007", "AB", "\u0660\u0667", "2 7"]
)
def test_normalize_state_code_rejects_unknown(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a GST state code"):
        normalize_state_code(raw)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        *[("27", True), ("25", True), ("38", True), ("96", True), ("97", True)],
        *[("7", False), (" 07", False), ("99", False), ("00", False), ("39", False), ("", False)],
    ],
)
def test_is_valid_state_code_is_strict(code: str, expected: bool) -> None:
    assert is_valid_state_code(code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("27", "Maharashtra"),
        ("7", "Delhi"),
        ("25", "Dadra and Nagar Haveli and Daman and Diu"),
        ("38", "Ladakh"),
        ("96", "Other Country"),
    ],
)
def test_state_name(code: str, expected: str) -> None:
    assert state_name(code) == expected


def test_state_name_unknown() -> None:
    with pytest.raises(ValueError, match="State code 99 is not a GST state code"):
        state_name("99")


# ------------------------------------------------------------------ GSTIN

LADAKH_GSTIN = "38AAPFU0939F1ZS"  # check character computed with reference_check_character
OTHER_TERRITORY_GSTIN = "97AAPFU0939F1ZO"
LEGACY_DAMAN_GSTIN = "25AAPFU0939F1ZZ"


@pytest.mark.parametrize(
    "gstin",
    [
        "27AAPFU0939F1ZV",
        "29AABCR1718E1ZL",
        "24AAQCA8719H1ZC",
        "33AAAAR6720M1ZG",
        "24AANFA2641L1ZF",
        "05AAACG2115R1ZN",
        "24AAUPV7468F1ZW",
        LADAKH_GSTIN,
        OTHER_TERRITORY_GSTIN,
        LEGACY_DAMAN_GSTIN,
        "07AAACG2115R1DS",  # TDS registration
        "07AAACG2115R1CU",  # TCS registration
    ],
)
def test_valid_gstins(gstin: str) -> None:
    assert reference_check_character(gstin[:14]) == gstin[14]
    assert validate_gstin(gstin) == gstin


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("27aapfu0939f1zv", "27AAPFU0939F1ZV"),
        ("  29AABCR1718E1ZL\n", "29AABCR1718E1ZL"),
        ("\t38aapfu0939f1zs ", LADAKH_GSTIN),
    ],
)
def test_gstin_is_stripped_and_upper_cased(raw: str, expected: str) -> None:
    assert validate_gstin(raw) == expected


@pytest.mark.parametrize(
    ("gstin", "message"),
    [
        ("27AAPFU0939F1ZO", "GSTIN check character is wrong"),
        ("24AANFA2641L1ZK", "GSTIN check character is wrong"),
        ("29AAFCA7488L1Z0", "GSTIN check character is wrong"),
        ("01AABCE2207R1Z5", "GSTIN check character is wrong"),
        ("38AAPFU0939F1ZV", "GSTIN check character is wrong"),
        ("27AAPFU0939F1Z", "GSTIN must be 15 characters long, got 14"),
        ("27AAPFU0939F1ZVX", "GSTIN must be 15 characters long, got 16"),
        ("", "GSTIN must be 15 characters long, got 0"),
        ("27AAPFU 0939F1Z", "GSTIN may contain only letters A-Z and digits 0-9"),
        ("27AAPFU-0939F1Z", "GSTIN may contain only letters A-Z and digits 0-9"),
        ("2XAAPFU0939F1ZV", "GSTIN must start with the two-digit state code"),
        ("99AAPFU0939F1ZV", "GSTIN state code 99 is not a GST state"),
        ("00AAPFU0939F1ZV", "GSTIN state code 00 is not a GST state"),
        ("39AAPFU0939F1ZV", "GSTIN state code 39 is not a GST state"),
        ("96AAPFU0939F1ZV", "GSTIN state code 96 \\(Other Country\\) is a place of supply"),
        ("27AAPF10939F1ZV", "GSTIN characters 3-12 must be the PAN"),
        ("27AAPFUO939F1ZV", "GSTIN characters 3-12 must be the PAN"),
        ("27AAPFU09391IZV", "GSTIN characters 3-12 must be the PAN"),
        ("27AAPFU0939F0ZV", "GSTIN 13th character \\(registration number\\) must be 1-9 or A-Z"),
        ("27AAPFU0939F1AA", "GSTIN 14th character must be Z \\(D for TDS, C for TCS\\), got A"),
        ("27AAPFU0939F1XV", "GSTIN 14th character must be Z \\(D for TDS, C for TCS\\), got X"),
        ("02AMBPG7773M002", "GSTIN 13th character"),
    ],
)
def test_invalid_gstins(gstin: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        validate_gstin(gstin)


def test_every_other_check_character_is_rejected() -> None:
    head = LADAKH_GSTIN[:14]
    rejected = [c for c in ALPHABET if c != "S" and _is_rejected(head + c)]
    assert len(rejected) == len(ALPHABET) - 1


def _is_rejected(gstin: str) -> bool:
    try:
        validate_gstin(gstin)
    except ValueError as exc:
        return str(exc).startswith("GSTIN check character is wrong")
    return False


@given(
    state=st.sampled_from(sorted(code for code in STATES if code != "96")),
    pan=st.from_regex(r"\A[A-Z]{5}[0-9]{4}[A-Z]\Z"),
    entity=st.sampled_from(ALPHABET[1:]),
    kind=st.sampled_from("ZDC"),
)
def test_check_character_matches_reference_and_validates(
    state: str, pan: str, entity: str, kind: str
) -> None:
    head = f"{state}{pan}{entity}{kind}"
    check = gstin_check_character(head)
    assert check == reference_check_character(head)
    assert validate_gstin((head + check).lower()) == head + check


@pytest.mark.parametrize("head", ["", "27AAPFU0939F1", "27AAPFU0939F1ZV", "27AAPFU0939F1-"])
def test_gstin_check_character_needs_14_characters(head: str) -> None:
    with pytest.raises(ValueError, match="needs exactly 14 letters or digits"):
        gstin_check_character(head)


@pytest.mark.parametrize(
    ("gstin", "expected"),
    [
        ("27AAPFU0939F1ZV", "27"),
        ("05aaacg2115r1zn", "05"),
        (LADAKH_GSTIN, "38"),
        (OTHER_TERRITORY_GSTIN, "97"),
        (LEGACY_DAMAN_GSTIN, "26"),
    ],
)
def test_gstin_state_code(gstin: str, expected: str) -> None:
    assert gstin_state_code(gstin) == expected


def test_gstin_state_code_rejects_invalid_gstin() -> None:
    with pytest.raises(ValueError, match="GSTIN check character is wrong"):
        gstin_state_code("27AAPFU0939F1ZO")


@pytest.mark.parametrize(
    ("gstin", "state", "expected"),
    [
        ("27AAPFU0939F1ZV", "27", True),
        ("27AAPFU0939F1ZV", "29", False),
        ("05AAACG2115R1ZN", "5", True),
        (LADAKH_GSTIN, "38", True),
        (LADAKH_GSTIN, "01", False),
        (LEGACY_DAMAN_GSTIN, "26", True),
        (LEGACY_DAMAN_GSTIN, "25", True),
        ("26AAPFU0939F1ZX", "25", True),
        ("26AAPFU0939F1ZX", "24", False),
        ("27AAPFU0939F1ZV", "96", False),
    ],
)
def test_gstin_matches_state(gstin: str, state: str, expected: bool) -> None:
    assert gstin_matches_state(gstin, state) is expected


def test_gstin_matches_state_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="GSTIN check character is wrong"):
        gstin_matches_state("27AAPFU0939F1ZO", "27")
    with pytest.raises(ValueError, match="State code 99 is not a GST state code"):
        gstin_matches_state("27AAPFU0939F1ZV", "99")


# ------------------------------------------------------------------ PAN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("AAPFU0939F", "AAPFU0939F"), (" aapfu0939f ", "AAPFU0939F"), ("ABCPE1234Z", "ABCPE1234Z")],
)
def test_valid_pan(raw: str, expected: str) -> None:
    assert validate_pan(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("AAPFU0939", "PAN must be 10 characters long, got 9"),
        ("AAPFU0939FF", "PAN must be 10 characters long, got 11"),
        ("", "PAN must be 10 characters long, got 0"),
        ("AAPF10939F", "PAN must be 5 letters, 4 digits and 1 letter"),
        ("AAPFU093XF", "PAN must be 5 letters, 4 digits and 1 letter"),
        ("AAPFU09391", "PAN must be 5 letters, 4 digits and 1 letter"),
        ("AAPFU 939F", "PAN must be 5 letters, 4 digits and 1 letter"),
    ],
)
def test_invalid_pan(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        validate_pan(raw)


# ------------------------------------------------------------------ HSN / SAC


@pytest.mark.parametrize(
    ("code", "min_digits", "expected"),
    [
        ("8471", 4, "8471"),
        ("847130", 4, "847130"),
        ("84713010", 4, "84713010"),
        (" 847130 ", 6, "847130"),
        ("84713010", 8, "84713010"),
        ("9983", 4, "9983"),  # SAC heading
        ("998314", 4, "998314"),
        ("998314", 6, "998314"),
        ("998314", 8, "998314"),  # a 6-digit SAC is the full code
        ("0401", 4, "0401"),  # leading zero kept
    ],
)
def test_valid_hsn_sac(code: str, min_digits: int, expected: str) -> None:
    assert validate_hsn_sac(code, min_digits) == expected


def test_hsn_sac_default_min_digits_is_four() -> None:
    assert validate_hsn_sac("8471") == "8471"


@pytest.mark.parametrize(
    ("code", "min_digits", "message"),
    [
        ("", 4, "HSN/SAC code must contain digits only"),
        ("8471.30", 4, "HSN/SAC code must contain digits only"),
        ("84A1", 4, "HSN/SAC code must contain digits only"),
        ("\u0668\u0664\u0667\u0661", 4, "HSN/SAC code must contain digits only"),
        ("84", 4, "HSN/SAC code must have 4, 6 or 8 digits, got 2"),
        ("84713", 4, "HSN/SAC code must have 4, 6 or 8 digits, got 5"),
        ("8471301", 4, "HSN/SAC code must have 4, 6 or 8 digits, got 7"),
        ("847130101", 4, "HSN/SAC code must have 4, 6 or 8 digits, got 9"),
        ("99831400", 4, "SAC code \\(starting with 99\\) must have 4 or 6 digits"),
        ("8471", 6, "HSN/SAC code must have at least 6 digits here"),
        ("847130", 8, "HSN/SAC code must have at least 8 digits here"),
        ("9983", 6, "HSN/SAC code must have at least 6 digits here"),
        ("9983", 8, "HSN/SAC code must have at least 6 digits here"),
        ("8471", 5, "min_digits must be 4, 6 or 8, got 5"),
        ("8471", 2, "min_digits must be 4, 6 or 8, got 2"),
    ],
)
def test_invalid_hsn_sac(code: str, min_digits: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        validate_hsn_sac(code, min_digits)


# ------------------------------------------------------------------ amount in words


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "Rupees Zero Only"),
        ("0.00", "Rupees Zero Only"),
        ("-0", "Rupees Zero Only"),
        ("1", "Rupees One Only"),
        ("0.50", "Rupees Zero and Fifty Paise Only"),
        ("0.01", "Rupees Zero and One Paisa Only"),
        ("118000", "Rupees One Lakh Eighteen Thousand Only"),
        ("100000", "Rupees One Lakh Only"),
        ("1234.50", "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only"),
        ("1234.5", "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only"),
        ("101", "Rupees One Hundred One Only"),
        ("10000000", "Rupees One Crore Only"),
        (
            "999999999.99",
            (
                "Rupees Ninety-Nine Crore Ninety-Nine Lakh Ninety-Nine Thousand Nine Hundred "
                "Ninety-Nine and Ninety-Nine Paise Only"
            ),
        ),
        ("10000000000", "Rupees One Thousand Crore Only"),  # beyond num2words' en_IN limit
        (
            "12345678901234.56",
            (
                "Rupees Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven Crore "
                "Eighty-Nine Lakh One Thousand Two Hundred Thirty-Four and Fifty-Six Paise Only"
            ),
        ),
        # rounded half-up to paise first
        ("0.005", "Rupees Zero and One Paisa Only"),
        ("0.004", "Rupees Zero Only"),
        ("1.995", "Rupees Two Only"),
        ("99.994", "Rupees Ninety-Nine and Ninety-Nine Paise Only"),
    ],
)
def test_amount_in_words(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount)) == expected


def test_amount_in_words_accepts_int() -> None:
    assert amount_in_words(118000) == "Rupees One Lakh Eighteen Thousand Only"


@pytest.mark.parametrize("amount", ["-1", "-0.01", "-0.001"])
def test_amount_in_words_rejects_negative(amount: str) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        amount_in_words(Decimal(amount))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "sNaN"])
def test_amount_in_words_rejects_non_finite(amount: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        amount_in_words(Decimal(amount))


@pytest.mark.parametrize("amount", [1.5, True, "100"])
def test_amount_in_words_rejects_non_decimal(amount: object) -> None:
    with pytest.raises(TypeError, match="Decimal or int"):
        amount_in_words(amount)  # type: ignore[arg-type]


# ------------------------------------------------------------------ financial year


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 31), "2024-25"),
        (date(2025, 4, 1), "2025-26"),
        (date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 1), "2026-27"),
        (date(2025, 12, 31), "2025-26"),
        (date(2026, 1, 1), "2025-26"),
        (date(1999, 4, 1), "1999-00"),
        (date(2000, 3, 31), "1999-00"),
        (date(2009, 4, 1), "2009-10"),
    ],
)
def test_financial_year(day: date, expected: str) -> None:
    assert financial_year(day) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2025-26", (date(2025, 4, 1), date(2026, 3, 31))),
        (" 2024-25 ", (date(2024, 4, 1), date(2025, 3, 31))),
        ("1999-00", (date(1999, 4, 1), date(2000, 3, 31))),
        ("2023-24", (date(2023, 4, 1), date(2024, 3, 31))),
    ],
)
def test_financial_year_bounds(label: str, expected: tuple[date, date]) -> None:
    assert financial_year_bounds(label) == expected


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2025-27", "must span two consecutive years"),
        ("2025-25", "must span two consecutive years"),
        ("2025-2026", "must look like 2025-26"),
        ("2025/26", "must look like 2025-26"),
        ("FY2025-26", "must look like 2025-26"),
        ("", "must look like 2025-26"),
        ("0000-01", "out of range"),
        ("9999-00", "out of range"),
    ],
)
def test_financial_year_bounds_rejects(label: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        financial_year_bounds(label)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31)))
def test_financial_year_round_trip(day: date) -> None:
    first, last = financial_year_bounds(financial_year(day))
    assert first <= day <= last
    assert (first.month, first.day, last.month, last.day) == (4, 1, 3, 31)
    assert last.year == first.year + 1


# ------------------------------------------------------------------ UQC


def test_uqc_codes_are_the_gstr_list() -> None:
    assert sorted(UQC_CODES) == [
        "BAG", "BAL", "BDL", "BKL", "BOU", "BOX", "BTL", "BUN", "CAN", "CBM",
        "CCM", "CMS", "CTN", "DOZ", "DRM", "GGK", "GMS", "GRS", "GYD", "KGS",
        "KLR", "KME", "LTR", "MLT", "MTR", "MTS", "NOS", "OTH", "PAC", "PCS",
        "PRS", "QTL", "ROL", "SET", "SQF", "SQM", "SQY", "TBS", "TGM", "THD",
        "TON", "TUB", "UGS", "UNT", "YDS",
    ]  # fmt: skip
    assert len(UQC_CODES) == 45
    assert "NA" not in UQC_CODES
    assert "nos" not in UQC_CODES
