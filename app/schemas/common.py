"""Shared schema building blocks: strict request models, money, pages, validated strings."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from app.core.security import (
    BCRYPT_MAX_BYTES,
    MIN_PASSWORD_LENGTH,
    is_common_password,
    password_too_long,
)
from app.utils import gst

T = TypeVar("T")


def _storable(value: Any) -> Any:
    """Refuse text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text") from None
    elif isinstance(value, list | tuple):
        for item in value:
            _storable(item)
    return value


class InputModel(BaseModel):
    """Every client input (bodies and query models) passes the storable-text check."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _storable(value)


class RequestModel(InputModel):
    """Unknown fields are refused, so a client can never set tenant_id, status or totals."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Matching items, counted up to LIST_COUNT_LIMIT (1,000)")
    total_exact: bool = Field(
        default=True,
        description="False when more items match than were counted: total is then a floor "
        "(page on with after=, which stays fast at any depth)",
    )
    page: int
    page_size: int


class Message(BaseModel):
    message: str


def _check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if password_too_long(value):
        raise ValueError(f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8")
    if is_common_password(value):
        raise ValueError("is one of the most common passwords; choose one that is harder to guess")
    return value


def _check_uqc(value: str) -> str:
    code = value.upper()
    if code not in gst.UQC_CODES:
        raise ValueError("is not a GST unit quantity code (UQC) such as NOS, KGS, LTR or OTH")
    return code


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    """Dates only as YYYY-MM-DD: Pydantic would also read 1.5e-12 as a Unix timestamp."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    if isinstance(value, int | float | bool):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _iso_datetime(value: Any) -> Any:
    """ISO 8601 only: Pydantic would also read "0.5" or 1700000000 as a Unix timestamp."""
    if isinstance(value, int | float | bool) or (
        isinstance(value, str) and not _ISO_DATE.match(value[:10])
    ):
        raise ValueError("must be an ISO 8601 date-time")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]

# Not stripped or truncated: checked exactly as received.
RawSecret = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)]
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=1024),
    AfterValidator(_check_password),
]
Gstin = Annotated[str, Field(max_length=20), AfterValidator(gst.validate_gstin)]
Pan = Annotated[str, Field(max_length=20), AfterValidator(gst.validate_pan)]
StateCode = Annotated[str, Field(max_length=4), AfterValidator(gst.normalize_state_code)]
HsnSac = Annotated[str, Field(max_length=8), AfterValidator(gst.validate_hsn_sac)]
Uqc = Annotated[str, Field(max_length=3), AfterValidator(_check_uqc)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Phone = Annotated[str, Field(max_length=20, pattern=r"^[0-9+()\- ]{6,20}$")]
Pincode = Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$")]


def _plain(value: Decimal) -> str:
    """``18.0000`` -> ``18``, ``7.50`` -> ``7.5``: rates read as people write them."""
    return f"{value.normalize():f}"


def _at_least_paise(value: Decimal) -> str:
    """``2500.0000`` -> ``2500.00`` but ``0.3333`` stays: prices keep real precision."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        normal = normal.quantize(Decimal("0.01"))
    return f"{normal:f}"


# Decimals are strings in JSON, in one canonical form whatever the database scale.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
RateOut = Annotated[Decimal, PlainSerializer(_plain, return_type=str)]
PriceOut = Annotated[Decimal, PlainSerializer(_at_least_paise, return_type=str)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
