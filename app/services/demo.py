"""The demo tenant the quickstart seeds once, so a newcomer has something to look at."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import create_engine, create_sessionmaker
from app.core.dependencies import Principal, RequestInfo
from app.crud.identity import find_login
from app.models.enums import Role
from app.schemas.auth import RegisterRequest
from app.schemas.catalog import ClientTypeCreate, ServiceTypeCreate
from app.schemas.company import CompanyCreate
from app.schemas.customer import CustomerCreate
from app.schemas.invoice import InvoiceCreate, InvoiceLineIn
from app.services.auth import AuthService
from app.services.catalog import ClientTypeService, ServiceTypeService
from app.services.company import CompanyService
from app.services.customer import CustomerService
from app.services.invoice import InvoiceService
from app.utils.clock import utcnow

DEMO_EMAIL = "demo@rmsbilling.in"
DEMO_PASSWORD = "demo-password-2024"
SEED_REQUEST = RequestInfo(ip_address=None, user_agent="rms-seed", request_id="seed-demo")


async def seed_demo(settings: Settings) -> bool:
    """Create the demo tenant unless it exists. Returns whether it was created."""
    assert settings.DATABASE_URL is not None
    engine = create_engine(settings.DATABASE_URL, settings, pool_size=1, max_overflow=0)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if await find_login(session, DEMO_EMAIL) is not None:
                return False
            await _populate(session, settings)
            return True
    finally:
        await engine.dispose()


async def _populate(session: AsyncSession, settings: Settings) -> None:
    auth = AuthService(session, settings, SEED_REQUEST)
    tenant, user, _ = await auth.register(
        RegisterRequest(
            company_name="Sharma Digital Services",
            full_name="Asha Sharma",
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            phone="+91 98200 12345",
        )
    )
    user.email_verified_at = utcnow()
    principal = Principal(user.id, tenant.id, Role.OWNER, session_id=user.id, email=user.email)
    await CompanyService(session, principal, SEED_REQUEST).create(
        CompanyCreate(
            legal_name="Sharma Digital Services Private Limited",
            trade_name="Sharma Digital",
            gstin="27AAPFU0939F1ZV",
            pan="AAPFU0939F",
            state_code="27",
            address_line1="401, Lotus Business Park, Andheri East",
            city="Mumbai",
            pincode="400069",
            email="accounts@sharmadigital.in",
            bank_name="HDFC Bank",
            bank_account_name="Sharma Digital Services Pvt Ltd",
            bank_account_number="50200012345678",
            bank_ifsc="HDFC0000123",
            upi_vpa="sharmadigital@hdfcbank",
            invoice_terms="Payment due within 15 days. Interest at 18% p.a. on late payments.",
            default_due_days=15,
        )
    )
    client_types = ClientTypeService(session, principal, SEED_REQUEST)
    retainer = await client_types.create(ClientTypeCreate(name="Retainer"))
    await client_types.create(ClientTypeCreate(name="Project"))
    services = ServiceTypeService(session, principal, SEED_REQUEST)
    service_ids = []
    for name, sac, price in (
        ("Website development", "998314", "75000"),
        ("Digital marketing retainer", "998361", "40000"),
        ("Cloud hosting", "998315", "2500"),
    ):
        service = await services.create(
            ServiceTypeCreate(
                name=name,
                hsn_sac_code=sac,
                default_gst_rate=Decimal("18"),
                unit="OTH",
                default_unit_price=Decimal(price),
            )
        )
        service_ids.append(service.id)
    customers = CustomerService(session, principal, SEED_REQUEST)
    created = [
        await customers.create(
            CustomerCreate(
                name=name, gstin=gstin, state_code=state, email=email, client_type_id=retainer.id
            )
        )
        for name, gstin, state, email in (
            ("Rao Textiles Pvt Ltd", "29AABCR1718E1ZL", None, "accounts@raotextiles.in"),
            ("Anand Agro Industries", "24AAQCA8719H1ZC", None, "finance@anandagro.in"),
            ("Meera Kapoor", None, "27", "meera.kapoor@example.in"),
        )
    ]
    invoices = InvoiceService(session, principal, SEED_REQUEST)
    website, marketing, hosting = service_ids
    await invoices.create(
        InvoiceCreate(
            customer_id=created[0].id,
            issue=True,
            lines=[
                InvoiceLineIn(service_type_id=website),
                InvoiceLineIn(service_type_id=hosting, quantity=Decimal("12")),
            ],
        )
    )
    await invoices.create(
        InvoiceCreate(
            customer_id=created[2].id,
            lines=[
                InvoiceLineIn(
                    service_type_id=marketing, discount_type="percent", discount_value=Decimal("10")
                )
            ],
        )
    )
