"""The job that emails an invoice: renders (or reuses) its PDF, sends, records delivery."""

from __future__ import annotations

import uuid

from app.core.database import set_tenant
from app.core.dependencies import RequestInfo
from app.crud.identity import SubscriptionRepository
from app.crud.invoice import InvoiceRepository
from app.services.audit import AuditService
from app.services.email import Attachment, OutgoingEmail, render_email
from app.services.invoice import SEND_INVOICE
from app.services.invoice_pdf import filename_for, invoice_pdf_bytes, pdf_document
from app.services.jobs import JobRuntime, task
from app.services.pdf import format_inr, upi_payment_uri
from app.services.plans import plan_state
from app.utils.clock import today_ist, utcnow

WORKER_REQUEST = RequestInfo(ip_address=None, user_agent="rms-worker", request_id=None)


@task(SEND_INVOICE)
async def send_invoice_email(
    runtime: JobRuntime,
    *,
    tenant_id: str,
    invoice_id: str,
    recipients: list[str],
    message: str | None = None,
    requested_by: str | None = None,
    reminder: str | None = None,
) -> None:
    """Raises on an SMTP failure, so the job is retried; the invoice records delivery only
    once the message was accepted."""
    async with runtime.session_factory() as session:
        await set_tenant(session, uuid.UUID(tenant_id))
        invoice = await InvoiceRepository(session).get_with_lines(uuid.UUID(invoice_id))
        subscription = await SubscriptionRepository(session).current()
        branded = plan_state(subscription, today_ist(), runtime.settings).paid_features
        pdf = await invoice_pdf_bytes(session, invoice, branded=branded)
        document = pdf_document(invoice, branded=branded)
        subject, html, text = render_email(
            "invoice",
            {
                "product_name": runtime.settings.PROJECT_NAME,
                "supplier_name": document.supplier.name,
                "customer_name": document.buyer.name,
                "number": invoice.number,
                "invoice_date": invoice.invoice_date.strftime("%d-%m-%Y"),
                "due_date": invoice.due_date.strftime("%d-%m-%Y") if invoice.due_date else None,
                "amount_due": format_inr(invoice.amount_due),
                "grand_total": format_inr(invoice.grand_total),
                "upi_link": upi_payment_uri(document),
                "message": message,
                "reminder": reminder,
                # The tenant's brand on paid plans: its name and colour head the email.
                **(
                    {"brand_name": document.supplier.name, "accent_colour": document.accent_colour}
                    if branded
                    else {}
                ),
            },
        )
        await runtime.email_sender.send(
            OutgoingEmail(
                to=tuple(recipients),
                subject=subject,
                html=html,
                text=text,
                attachments=(Attachment(filename_for(invoice), pdf, "application/pdf"),),
            )
        )
        actor = uuid.UUID(requested_by) if requested_by else None
        if reminder is None:
            invoice.sent_at, invoice.sent_to = utcnow(), list(recipients)
        AuditService(session, WORKER_REQUEST, actor).record(
            "invoice.reminder_sent" if reminder else "invoice.sent",
            "invoice",
            invoice.id,
            {"to": recipients, "stage": reminder} if reminder else {"to": recipients},
        )
