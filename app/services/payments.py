"""Payment providers behind one interface; ``manual`` ships now, gateways come later.

A provider turns "the owner says they paid" into a confirmation the subscription can
trust. The manual provider accepts an owner-confirmed bank/UPI reference (audited);
a Razorpay or Stripe provider would verify the payment with the gateway instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.core.errors import ValidationFailed


@dataclass(frozen=True)
class PaymentConfirmation:
    provider: str
    reference: str


class PaymentProvider(Protocol):
    name: str

    def confirm(self, plan: str, reference: str) -> PaymentConfirmation: ...


class ManualProvider:
    name = "manual"

    def confirm(self, plan: str, reference: str) -> PaymentConfirmation:
        cleaned = reference.strip()
        if len(cleaned) < 4:
            raise ValidationFailed("Give the payment's reference.", field="payment_reference")
        return PaymentConfirmation(self.name, cleaned)


PROVIDERS: dict[str, PaymentProvider] = {"manual": ManualProvider()}


def payment_provider(name: str) -> PaymentProvider:
    provider = PROVIDERS.get(name)
    if provider is None:
        raise ValidationFailed(f"Unknown payment provider {name}.", field="provider")
    return provider
