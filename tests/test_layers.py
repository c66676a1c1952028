"""The core reads no clock (DESIGN.md, principle 1); import-linter checks the import layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import levrisk

_PACKAGE = Path(levrisk.__file__).parent
_CLOCKS = {"now", "utcnow", "today", "time", "time_ns", "monotonic", "perf_counter"}


def _calls_to_clocks(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _CLOCKS
    ]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in _PACKAGE.rglob("*.py") if p.relative_to(_PACKAGE).parts[0] != "cli"),
    ids=lambda p: str(p.relative_to(_PACKAGE)),
)
def test_no_clock(path: Path) -> None:
    """No module below the CLI calls now(), today(), time() or another clock."""
    assert _calls_to_clocks(path) == []


def test_detector_finds_a_clock(tmp_path: Path) -> None:
    """The check itself sees a clock call (so it cannot pass vacuously)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime\nx = datetime.datetime.now()\n", encoding="utf-8")
    assert _calls_to_clocks(sample) == ["sample.py:2 .now()"]
