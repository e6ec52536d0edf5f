"""The benchmark harness on tiny data, so it cannot rot: seed, serve with a real uvicorn
worker, drive every scenario and write the results table. Numbers are not asserted
(a loaded test machine says nothing about speed); that every scenario ran cleanly and
every target got a measured value is."""

from __future__ import annotations

import socket
from pathlib import Path

from bench.run import SMOKE, execute
from bench.seed import seed_database, split_url
from tests import database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_harness_runs_end_to_end(admin_url: str, worker_id_str: str, tmp_path: Path) -> None:
    server_url, _ = split_url(admin_url)
    name = f"rms_test_{worker_id_str}_bench"
    db = seed_database(
        server_url,
        name,
        tenants=3,
        big_invoices=40,
        small_invoices=12,
        big_customers=6,
        small_customers=3,
    )
    try:
        path = execute(
            db, SMOKE, workers=1, clients=1, port=_free_port(), output=tmp_path / "smoke.md"
        )
    finally:
        database.drop_database(admin_url, name)
    report = path.read_text()
    targets = [line for line in report.splitlines() if line.endswith(("| PASS |", "| MISS |"))]
    assert len(targets) >= 14, report
    assert all(" nan " not in line and "| inf |" not in line for line in targets), report
    assert "## Errors" not in report, report
    for scenario in (
        "login",
        "GET invoice",
        "create+issue, many tenants",
        "allocate a receipt",
        "gstr1, big tenant",
        "PDF first render",
        "raw create+issue (reference)",
        "authenticated constant (reference)",
    ):
        assert f"| {scenario} |" in report, scenario
    assert "Authenticated constant: " in report, report
