"""Count how the CLI answers generated bad inputs (issue 16).

Runs a seeded sample of the cases in ``tests/fuzzing.py`` (every numeric field
of every example with NaN, inf, huge, negative, wrong type, empty and unicode
values; duplicate keys, alias bombs, deep nesting, binary files and folders;
bad values of every numeric CLI option) in one process, each under a time
limit, and prints the outcome split::

    python benchmarks/fuzz_count.py            # 330 cases, 30 s limit each
    python benchmarks/fuzz_count.py -n 0 -v    # every case, list the bad ones
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzing import all_cases, run_case_forked, sample


def main() -> None:
    """Run the sample and print counts per outcome (and the failures with -v)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=330, help="cases (0: all)")
    parser.add_argument("--timeout", type=int, default=30, help="seconds per case")
    parser.add_argument("-v", action="store_true", help="list every non-clean case")
    args = parser.parse_args()
    cases = all_cases()
    chosen = cases if args.n <= 0 else sample(cases, args.n)
    counts: collections.Counter[str] = collections.Counter()
    start = time.perf_counter()
    for case in chosen:
        outcome = run_case_forked(case, timeout_s=args.timeout)
        counts[outcome.kind] += 1
        if args.v and outcome.kind not in ("clean", "ok"):
            print(f"[{outcome.kind}] {case.label}: {outcome.message[:160]!r}")
    took = time.perf_counter() - start
    print(f"{len(chosen)} of {len(cases)} generated bad inputs in {took:.0f} s")
    for kind in ("clean", "ok", "other", "traceback", "hang", "silent"):
        print(f"  {kind:9s} {counts[kind]}")


if __name__ == "__main__":
    main()
