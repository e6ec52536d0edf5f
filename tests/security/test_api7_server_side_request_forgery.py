"""API7 Server Side Request Forgery: the PDF renderer is the one component that could
fetch a URL, so every URL a tenant can put into a document points at a listener on the
test machine, and rendering every kind of PDF through the API must not connect to it.

(``tests/unit/test_pdf.py`` checks the renderer's URL fetcher; this is the same attack
end to end: a logo URL, an SVG logo with links inside, and markup in customer names and
line descriptions.)
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.support import TenantClient

API = "/api/v1"


class Listener:
    """A TCP port that counts who connects to it (TLS or not, a connection is enough)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def svg_logo(url: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        f' width="10" height="10"><image href="{url}/svg-href" width="10" height="10"/>'
        f'<image xlink:href="{url}/svg-xlink" width="10" height="10"/>'
        f'<style>@import url("{url}/svg-css");</style></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def markup(url: str) -> str:
    return (
        f'<img src="{url}/img"><link rel="stylesheet" href="{url}/css">'
        f'<style>@import "{url}/import";</style><iframe src="{url}/frame"></iframe>'
    )


async def test_rendering_documents_fetches_nothing_a_tenant_points_at(
    tenant: TenantClient, listener: Listener
) -> None:
    url = f"http://127.0.0.1:{listener.port}"
    https_logo = f"https://127.0.0.1:{listener.port}/logo.png"
    company = await tenant.create(
        f"{API}/companies",
        {
            "legal_name": "Fetch Co",
            "gstin": "27AAPFU0939F1ZV",
            "logo_url": https_logo,
        },
    )
    customer = await tenant.create(
        f"{API}/customers", {"name": f"Buyer {markup(url)}"[:200], "state_code": "27"}
    )
    line = {
        "description": f"Work {markup(url)}",
        "hsn_sac": "998314",
        "unit_price": "1000",
        "gst_rate": "18",
    }
    invoice = await tenant.create(
        f"{API}/invoices", {"customer_id": customer["id"], "lines": [line], "issue": True}
    )
    note = await tenant.create(
        f"{API}/credit-notes",
        {
            "invoice_id": invoice["id"],
            "reason": "post_sale_discount",
            "lines": [{"invoice_line_item_id": invoice["lines"][0]["id"], "taxable_value": "10"}],
            "issue": True,
        },
    )
    documents = [
        f"{API}/invoices/{invoice['id']}/pdf",
        f"{API}/credit-notes/{note['id']}/pdf",
        f"{API}/customers/{customer['id']}/statement?format=pdf",
    ]
    for logo in (https_logo, svg_logo(url), svg_logo(f"file://127.0.0.1:{listener.port}")):
        updated = await tenant.put(f"{API}/companies/{company['id']}", json={"logo_url": logo})
        assert updated.status_code == 200, updated.text
        for document in documents:
            response = await tenant.get(document)
            assert response.status_code == 200, f"{document}: {response.text[:200]}"
            assert response.content.startswith(b"%PDF")
    assert listener.connections == 0
    # The control: the listener does count a connection.
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    for _ in range(100):
        if listener.connections:
            break
        threading.Event().wait(0.02)
    assert listener.connections == 1
