"""``python -m levrisk``: the command-line reference calculator (see :mod:`levrisk.cli`)."""

from __future__ import annotations

from levrisk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
