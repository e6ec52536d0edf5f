"""The performance harness: ``python -m bench seed|run`` (see bench/README.md)."""

import sys


def say(message: str) -> None:
    """Progress on stdout, flushed at once (runs take minutes)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()
