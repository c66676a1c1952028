"""Summarise ``mutmut results --all true`` (read on stdin): kill rate per module, survivors."""

from __future__ import annotations

import collections
import re
import sys


def main() -> None:
    """Print the table and the mutants that were not killed."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    survivors: list[str] = []
    for line in sys.stdin:
        match = re.match(r"\s*(levrisk\.[\w.]+?)\.x_\w+?__mutmut_\d+: (\w+)", line)
        if match and match.group(2) == "not":
            continue
        if match:
            module, status = match.groups()
            counts[module][status] += 1
            if status not in {"killed", "not"}:  # "not checked": outside the selection
                survivors.append(line.strip())
    total: collections.Counter[str] = collections.Counter()
    print(f"{'module':<32}{'mutants':>8}{'killed':>8}{'rate':>8}")
    for module, counter in sorted(counts.items()):
        n = sum(counter.values())
        total.update(counter)
        print(f"{module:<32}{n:>8}{counter['killed']:>8}{counter['killed'] / n:>8.1%}")
    n = sum(total.values())
    if n:
        print(f"{'all':<32}{n:>8}{total['killed']:>8}{total['killed'] / n:>8.1%}")
    print("\nsurvived (or timed out):")
    print("\n".join(survivors) or "(none)")


if __name__ == "__main__":
    main()
