"""The batch extra's check: imported first by :mod:`levrisk.batch`.

Without NumPy or array-api-compat, ``import levrisk.batch`` raises an
:class:`ImportError` that names the command installing them, rather than a bare
``ModuleNotFoundError`` from deep inside. Numba is optional (the ``batch-jit`` extra):
without it the NumPy path computes the same results.
"""

from __future__ import annotations

try:
    import array_api_compat
    import numpy as np
except ImportError as missing:
    _MESSAGE = (
        f"levrisk.batch needs the batch extra ({missing.name} is not installed): "
        "pip install 'levrisk[batch]'"
    )
    raise ImportError(_MESSAGE, name=missing.name) from missing

__all__: list[str] = []

del array_api_compat, np
