"""PDFs are laid out in a renderer process, so WeasyPrint's caches never grow the worker."""

from __future__ import annotations

import os
import signal

from app.services.pdf import render_pdf_async
from app.services.pdf_renderer import _renderer
from tests.unit.test_pdf import make_document, pdf_text


def _renderer_pids() -> list[int]:
    processes = _renderer.pool()._processes or {}
    return [pid for pid, process in processes.items() if process.is_alive()]


async def test_pdfs_are_rendered_in_another_process() -> None:
    text = pdf_text(await render_pdf_async(make_document()))
    assert "TAX INVOICE" in text.upper()
    pids = _renderer_pids()
    assert pids and os.getpid() not in pids


async def test_a_renderer_that_died_is_replaced() -> None:
    await render_pdf_async(make_document())
    (dead,) = _renderer_pids()
    os.kill(dead, signal.SIGKILL)
    text = pdf_text(await render_pdf_async(make_document()))
    assert "TAX INVOICE" in text.upper()
    assert dead not in _renderer_pids()
