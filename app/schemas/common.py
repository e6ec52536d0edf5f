"""Shared schema building blocks: strict request models, money, pages, validated strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from app.core.security import BCRYPT_MAX_BYTES, MIN_PASSWORD_LENGTH, password_too_long
from app.utils import gst

T = TypeVar("T")


class RequestModel(BaseModel):
    """Unknown fields are refused, so a client can never set tenant_id, status or totals."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class Message(BaseModel):
    message: str


def _check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if password_too_long(value):
        raise ValueError(f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8")
    return value


def _check_uqc(value: str) -> str:
    code = value.upper()
    if code not in gst.UQC_CODES:
        raise ValueError("is not a GST unit quantity code (UQC) such as NOS, KGS, LTR or OTH")
    return code


# Not stripped or truncated: checked exactly as received.
Password = Annotated[str, Field(max_length=1024), AfterValidator(_check_password)]
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
# Money: Decimal in, two-decimal string out.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
