"""Tests for the package metadata."""

from __future__ import annotations

from importlib.metadata import metadata, version

import levrisk


def test_version_from_metadata() -> None:
    """__version__ is the installed distribution's version, not a hard-coded string."""
    assert levrisk.__version__ == version("levrisk")


def test_runtime_dependencies_are_attrs_only() -> None:
    """The core needs attrs and nothing else at run time."""
    requires = metadata("levrisk").get_all("Requires-Dist") or []
    core = [r for r in requires if "extra ==" not in r]
    assert [r.split(">")[0].split("=")[0].strip() for r in core] == ["attrs"]


def test_typed() -> None:
    """The package ships py.typed."""
    from importlib.resources import files  # noqa: PLC0415 - only this test needs it

    assert files("levrisk").joinpath("py.typed").is_file()


def test_version_is_lazy() -> None:
    """Importing levrisk reads no package metadata; ``__version__`` reads it when asked."""
    import subprocess  # noqa: PLC0415 - only this test starts a process
    import sys  # noqa: PLC0415

    code = (
        "import sys, levrisk, levrisk.futures, levrisk.margin, levrisk.risk; "
        "print('importlib.metadata' in sys.modules); levrisk.__version__; "
        "print('importlib.metadata' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed command
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_unknown_attribute() -> None:
    """Any other missing attribute is an AttributeError; dir() lists __version__."""
    import pytest  # noqa: PLC0415

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = levrisk.nope
    assert "__version__" in dir(levrisk)
