"""Time-ordered UUIDs (version 7, RFC 9562) for primary keys.

Random v4 keys scatter inserts across the whole B-tree; v7 keys start with the
millisecond timestamp, so new rows land at the right edge of every index.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """48-bit Unix milliseconds, version 7, 12 random bits, variant 10, 62 random bits."""
    millis = time.time_ns() // 1_000_000
    rand_a = int.from_bytes(os.urandom(2), "big") & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)
