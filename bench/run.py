"""`make bench`: each figure beside its SPEC §3 budget, with a baseline measured in the same run.

Writes bench/results.json. Exits 0 even when a budget is missed (the table says so): budgets
are tracked here, never asserted by the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import ALL_CASES, Figure
from ingest_cases import rag_ingest
from vector_cases import vector_search

CASES = [*ALL_CASES, vector_search, rag_ingest]


def render(figures: list[Figure]) -> str:
    rows = [("figure", "measured", "budget", "baseline", "verdict")]
    for f in figures:
        rows.append((f.name, f.measured_text, f.budget_text, f.baseline_text, f.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args()
    figures: list[Figure] = []
    for case in CASES:
        figures.extend(case(quick=args.quick))
    print(render(figures))
    Path(args.out).write_text(json.dumps([f.as_dict() for f in figures], indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
