"""Write a small intersphinx inventory of the Python standard library, offline.

The documentation must build on machines without network access (CI included), so the
intersphinx inventory of docs.python.org cannot be downloaded at build time. This
extension writes the part of it that levrisk's docs link to (module, class and exception
targets with their real docs.python.org anchors) in the ``objects.inv`` v2 format, and
``conf.py`` points intersphinx at that file. Add a line to ``_PYTHON`` when the docs
start referring to another standard-library object.
"""

from __future__ import annotations

import zlib
from pathlib import Path

_PYTHON: dict[str, tuple[str, str]] = {
    # name: (role, page#anchor with $ for the name)
    "decimal": ("py:module", "library/decimal.html#module-$"),
    "decimal.Decimal": ("py:class", "library/decimal.html#$"),
    "decimal.Context": ("py:class", "library/decimal.html#$"),
    "decimal.getcontext": ("py:function", "library/decimal.html#$"),
    "decimal.localcontext": ("py:function", "library/decimal.html#$"),
    "decimal.InvalidOperation": ("py:exception", "library/decimal.html#$"),
    "decimal.DivisionByZero": ("py:exception", "library/decimal.html#$"),
    "datetime": ("py:module", "library/datetime.html#module-$"),
    "datetime.date": ("py:class", "library/datetime.html#$"),
    "datetime.datetime": ("py:class", "library/datetime.html#$"),
    "datetime.timedelta": ("py:class", "library/datetime.html#$"),
    "datetime.timezone": ("py:class", "library/datetime.html#$"),
    "collections.abc.Callable": ("py:class", "library/collections.abc.html#$"),
    "collections.abc.Iterable": ("py:class", "library/collections.abc.html#$"),
    "collections.abc.Mapping": ("py:class", "library/collections.abc.html#$"),
    "collections.abc.Sequence": ("py:class", "library/collections.abc.html#$"),
    "typing.Literal": ("py:data", "library/typing.html#$"),
    "typing.Union": ("py:data", "library/typing.html#$"),
    "typing.Any": ("py:data", "library/typing.html#$"),
    "typing.TypeAlias": ("py:data", "library/typing.html#$"),
    "Exception": ("py:exception", "library/exceptions.html#$"),
    "ValueError": ("py:exception", "library/exceptions.html#$"),
    "TypeError": ("py:exception", "library/exceptions.html#$"),
    "ZeroDivisionError": ("py:exception", "library/exceptions.html#$"),
    "UserWarning": ("py:exception", "library/exceptions.html#$"),
    "bool": ("py:class", "library/functions.html#$"),
    "int": ("py:class", "library/functions.html#$"),
    "float": ("py:class", "library/functions.html#$"),
    "str": ("py:class", "library/stdtypes.html#$"),
    "tuple": ("py:class", "library/stdtypes.html#$"),
    "list": ("py:class", "library/stdtypes.html#$"),
    "dict": ("py:class", "library/stdtypes.html#$"),
    "object": ("py:class", "library/functions.html#$"),
    "None": ("py:data", "library/constants.html#$"),
    "True": ("py:data", "library/constants.html#$"),
    "False": ("py:data", "library/constants.html#$"),
}


def write_python_inventory(path: Path) -> Path:
    """Write the inventory to ``path`` and return it."""
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: Python\n"
        "# Version: 3\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    lines = "".join(f"{name} {role} 1 {uri} -\n" for name, (role, uri) in sorted(_PYTHON.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))
    return path
