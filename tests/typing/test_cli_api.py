"""Type-level checks of the CLI's public API (mypy only; never run)."""

from __future__ import annotations

from typing_extensions import assert_type

from levrisk.cli import main


def check_main() -> None:
    """The entry point takes an optional argument list and returns the exit code."""
    assert_type(main(), int)
    assert_type(main(["--help"]), int)
    assert_type(main(("interest", "--help")), int)
