"""Start-up time of ``gigaplan --help`` in fresh processes (issue 15, item 5).

Runs ``python -m gigaplan --help`` (what the ``gigaplan`` console script does)
10 times, each in a new interpreter, and prints the median and the maximum
wall time with the load average (the machine is shared). Target: median
under 0.3 s. A bare ``python -c pass`` is timed the same way, for the
interpreter's own share, and ``--help`` with ``TYPER_USE_RICH=0`` for the
share of typer's rich help formatting (rich and markdown-it, imported only
to print help).

Run: PYTHONPATH=src .venv/bin/python benchmarks/cli_start.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 10
TARGET_S = 0.3


def _times(args: list[str], **env: str) -> list[float]:
    """Wall time of ``python args`` in RUNS fresh processes. [s]"""
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, *args],
            check=True,
            capture_output=True,
            env={**os.environ, **env},
        )
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    """Print median and max of ``gigaplan --help`` and of a bare interpreter."""
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    bare = _times(["-c", "pass"])
    helps = _times(["-m", "gigaplan", "--help"])
    plain = _times(["-m", "gigaplan", "--help"], TYPER_USE_RICH="0")
    for label, t in (
        ("python -c pass", bare),
        ("gigaplan --help", helps),
        ("  TYPER_USE_RICH=0", plain),
    ):
        print(
            f"{label:<18} median {statistics.median(t):.3f} s, max {max(t):.3f} s "
            f"over {RUNS} runs (load {os.getloadavg()[0]:.2f})"
        )
    med = statistics.median(helps)
    print(f"target: median < {TARGET_S} s -> {'met' if med < TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
