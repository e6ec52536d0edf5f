"""Where PDFs are laid out: a renderer process beside each API or job worker.

WeasyPrint keeps fonts, styles and layout caches after its first document: tens of MB that
would stay in the worker for good. Renders go to one child process instead (spawned, so
it shares nothing with the event loop's process), one at a time, as before; the child is
replaced after ``RENDERS_PER_PROCESS`` documents so its memory cannot creep either.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger("app.pdf")

RENDERS_PER_PROCESS = 200


class _Renderer:
    """The process pool of one worker, started on first use."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=RENDERS_PER_PROCESS,
                )
            return self._pool

    def discard(self, pool: ProcessPoolExecutor | None = None, *, wait: bool = False) -> None:
        """Forget ``pool`` (or the current one) and stop it; the next render starts anew."""
        with self._lock:
            if pool is None or self._pool is pool:
                pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


_renderer = _Renderer()


def shutdown_renderer() -> None:
    """Stop the renderer process at shutdown."""
    _renderer.discard(wait=True)


async def html_to_pdf_in_renderer(html: str) -> bytes:
    """``html_to_pdf`` in the renderer process; a renderer that died is replaced once."""
    try:
        return await _render(html)
    except BrokenProcessPool:
        logger.warning("the PDF renderer process died; starting a new one")
        return await _render(html)  # a second failure is the caller's 500


async def _render(html: str) -> bytes:
    from app.services.pdf import html_to_pdf

    pool = _renderer.pool()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, html_to_pdf, html)
    except BrokenProcessPool:
        _renderer.discard(pool)
        raise
