"""A scrape in multiprocess mode survives a worker creating its metrics file right then."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from app.core.metrics import MULTIPROC_ENV, scrape


def test_a_metrics_file_still_being_created_is_left_to_the_next_scrape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = MmapedDict(str(tmp_path / "counter_101.db"))
    key = mmap_key("rms_probe_total", "rms_probe_total", (), (), "A probe.")
    written.write_value(key, 5.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").touch()  # another worker's, not yet sized
    # What prometheus_client itself does with that directory (client_python#1199):
    with pytest.raises(struct.error):
        generate_latest(MultiProcessCollector(CollectorRegistry(), path=str(tmp_path)))

    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    exposed = generate_latest(scrape([])).decode()
    assert "rms_probe_total 5.0" in exposed
