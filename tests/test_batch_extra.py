"""``import levrisk.batch`` without the batch extra: an ImportError naming the command.

The extras (pyproject.toml): ``batch`` is NumPy and array-api-compat; ``batch-jit`` adds
Numba, whose kernels are used when it is installed (the NumPy path otherwise).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("missing", ["numpy", "array_api_compat"])
def test_import_without_the_extra_names_the_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """Simulate a missing module: the message gives the install command and the module."""
    for name in [m for m in sys.modules if m == "levrisk.batch" or m.startswith("levrisk.batch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)  # "import missing" raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'levrisk\[batch\]'") as raised:
        importlib.import_module("levrisk.batch")
    assert raised.value.name == missing
    assert missing in str(raised.value)


def test_the_batch_extra_leaves_numba_to_batch_jit() -> None:
    """``batch`` has no Numba; ``batch-jit`` is ``batch`` plus Numba."""
    tomllib = pytest.importorskip("tomllib")
    with (Path(__file__).parents[1] / "pyproject.toml").open("rb") as file:
        extras = tomllib.load(file)["project"]["optional-dependencies"]
    assert not any(dep.startswith("numba") for dep in extras["batch"])
    assert any(dep.startswith("numba") for dep in extras["batch-jit"])
    assert "levrisk[batch]" in extras["batch-jit"]
