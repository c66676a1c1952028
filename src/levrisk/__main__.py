"""``python -m levrisk``: the command-line reference calculator (see :mod:`levrisk.cli`)."""

from __future__ import annotations

from levrisk.cli import main

raise SystemExit(main())
