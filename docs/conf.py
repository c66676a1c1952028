"""Sphinx configuration for levrisk's documentation."""

from __future__ import annotations

import re
import sys
from importlib.metadata import version as _version
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import sphinx.util.typing as sphinx_typing
from sphinx.ext import intersphinx
from sphinx.ext.napoleon.docstring import GoogleDocstring
from sphinx.util.inspect import TypeAliasForwardRef

if TYPE_CHECKING:
    from docutils.nodes import Element
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

_HERE = Path(__file__).parent
sys.path.insert(0, str(_HERE / "_ext"))

from offline_assets import (  # noqa: E402 - needs the path above
    MATHJAX_FILE,
    enclosed_fonts,
    mathjax_script,
)
from offline_inventory import write_python_inventory  # noqa: E402 - needs the path above

project = "levrisk"
author = "The levrisk developers"
copyright = "2026, The levrisk developers"
release = _version("levrisk")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
extensions += [name for name in ("plots",) if (_HERE / "_ext" / f"{name}.py").exists()]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

nitpicky = True
nitpick_ignore_regex = [
    # attrs' generated classes and the private converter/validator helpers are not API.
    ("py:class", r"attr(s)?\..*"),
    ("py:class", r"levrisk\._.*"),
    ("py:class", r"levrisk\.(\w+\.)+_.*"),  # private modules inside the packages
    # NumPy's own annotations of the batch result arrays (NumPy is not documented here).
    ("py:class", r"np(t)?\..*"),
    # exchanges' private alias for "a value decoded from JSON" (it is plain ``object``).
    ("py:class", r"Json"),
    # risk's private read-only Mapping[str, Decimal] behind the stress rows' fields.
    ("py:class", r"FrozenMap"),
    # private helper aliases (a leading underscore) are not API.
    ("py:class", r"_\w+"),
]

# levrisk.batch imports array_api_compat (the ``batch`` extra) at import time. The docs
# extra does not carry it (with Numba it is ~250 MB, and the reference only needs the
# signatures and docstrings): autodoc mocks it where it is not installed. The rendered
# batch reference is the same either way: no documented signature or default involves
# array_api_compat's objects (Numba is imported lazily, on a kernel's first call).
autodoc_mock_imports = [name for name in ("array_api_compat", "numba") if find_spec(name) is None]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_type_aliases = {
    "Array": "levrisk.batch.Array",
    "NumberLike": "levrisk.numbers.NumberLike",
    "RoundingMode": "levrisk.numbers.RoundingMode",
    "InterestCounting": "levrisk.interest.InterestCounting",
    "PriceMap": "levrisk.margin.PriceMap",
    "MarginAccount": "levrisk.margin.MarginAccount",
    "FeeConvention": "levrisk.margin.FeeConvention",
    "MarginStatus": "levrisk.margin.MarginStatus",
    "Side": "levrisk.futures.Side",
    "ContractKind": "levrisk.futures.ContractKind",
    "PositionMode": "levrisk.futures.PositionMode",
    "MaintenanceBasis": "levrisk.futures.MaintenanceBasis",
    "CloseFeeBasis": "levrisk.futures.CloseFeeBasis",
    "HedgeMaintenance": "levrisk.futures.HedgeMaintenance",
    "MarginBasis": "levrisk.futures.MarginBasis",
    "TierMaintenance": "levrisk.brackets.TierMaintenance",
    "OnMismatch": "levrisk.brackets.OnMismatch",
    "NotionalCoef": "levrisk.exchanges.binance.NotionalCoef",
    "MarginType": "levrisk.exchanges.binance.MarginType",
    "RateUnits": "levrisk.exchanges.bybit.RateUnits",
    "FuturesStatus": "levrisk.risk.FuturesStatus",
    "SettlementOrder": "levrisk.futures.SettlementOrder",
    "WalkEvent": "levrisk.futures.WalkEvent",
    "Intrabar": "levrisk.futures.Intrabar",
    "WalkEngine": "levrisk.batch.WalkEngine",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# The docs build offline (CI has no network): intersphinx reads a local inventory of the
# standard-library objects the docs link to, written by _ext/offline_inventory.py.
intersphinx_mapping = {
    "python": (
        "https://docs.python.org/3",
        str(write_python_inventory(_HERE / "_build" / "inventories" / "python.inv")),
    ),
}
intersphinx_timeout = 1


def _resolve_alias_refs(
    app: Sphinx, env: BuildEnvironment, node: Element, contnode: Element
) -> Element | None:
    """Resolve type-alias annotations to their documented entries.

    Annotations name aliases such as ``NumberLike`` as classes, short or qualified; the
    aliases are documented as module data. Resolve a missing ``py:class`` reference to the
    one levrisk object whose qualified name ends with it.
    """
    if node.get("refdomain") != "py" or node.get("reftype") != "class":
        return None
    target = str(node.get("reftarget", "")).strip("'\"")
    domain = env.get_domain("py")
    names = [
        name
        for name, *_ in domain.get_objects()
        if name.startswith("levrisk.") and (name == target or name.endswith("." + target))
    ]
    if len(names) > 1:  # the same short name in several modules: take the referrer's own
        module = node.get("py:module")
        names = [name for name in names if name.rpartition(".")[0] == module]
    if len(names) == 1:
        return domain.resolve_xref(
            env, node["refdoc"], app.builder, "obj", names[0], node, contnode
        )
    short = target.rpartition(".")[2] if target.startswith("levrisk.") else target
    if short in _STDLIB_SHORT_NAMES:
        node["reftarget"] = _STDLIB_SHORT_NAMES[short]
        return intersphinx.missing_reference(app, env, node, contnode)
    return None


# Short names that annotations use unqualified once ``autodoc_type_aliases`` is in play.
_STDLIB_SHORT_NAMES = {
    "Any": "typing.Any",
    "Decimal": "decimal.Decimal",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "dt.datetime": "datetime.datetime",
    "dt.date": "datetime.date",
    "timedelta": "datetime.timedelta",
    "Sequence": "collections.abc.Sequence",
    "Mapping": "collections.abc.Mapping",
    "Iterable": "collections.abc.Iterable",
    "Callable": "collections.abc.Callable",
}


def _restify_aliases() -> None:
    """Render ``autodoc_type_aliases`` inside generics by name (Sphinx 8/9 shows its helper).

    ``Sequence[NumberLike]`` otherwise renders as a link to Sphinx's internal
    ``TypeAliasForwardRef`` class.
    """
    original = sphinx_typing.restify

    def restify(cls: Any, mode: str = "fully-qualified-except-typing") -> str:  # noqa: ANN401
        if isinstance(cls, TypeAliasForwardRef):
            return f":py:obj:`~{cls.name}`"
        return original(cls, mode)  # type: ignore[arg-type]

    original_stringify = sphinx_typing.stringify_annotation

    def stringify(annotation: Any, *args: Any, **kwargs: Any) -> str:  # noqa: ANN401
        if isinstance(annotation, TypeAliasForwardRef):
            return annotation.name
        return original_stringify(annotation, *args, **kwargs)

    sphinx_typing.restify = restify  # type: ignore[assignment]
    sphinx_typing.stringify_annotation = stringify


def _plain_attribute_docstrings() -> None:
    """Keep attribute and data docstrings as written.

    Napoleon reads "Text: more text" on the first line of an attribute docstring as
    "type: description". levrisk never writes types there (annotations carry them), and a
    sentence such as "Binance cross margin classic, 3x account: ..." must stay prose.
    """

    def parse(self: GoogleDocstring) -> list[str]:
        return self._consume_to_end()

    GoogleDocstring._parse_attribute_docstring = parse  # type: ignore[method-assign] # noqa: SLF001


_ATTRS_DEFAULT = re.compile(r"attr_dict\['(\w+)'\]\.default")


def _attrs_defaults(  # noqa: PLR0917 - the signature of Sphinx's event
    app: Sphinx,  # noqa: ARG001 - the event's signature
    what: str,  # noqa: ARG001 - the event's signature
    name: str,  # noqa: ARG001 - the event's signature
    obj: object,
    options: object,  # noqa: ARG001 - the event's signature
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """Show an attrs class's real defaults in its signature.

    With ``autodoc_preserve_defaults`` (kept: functions show ``"half_even"``, not a
    repr of it), an attrs ``__init__`` shows the source of its generated defaults,
    ``attr_dict['contract_size'].default``. Put the field's default back in.
    """
    if signature is None or not (isinstance(obj, type) and attrs.has(obj)):
        return None
    fields = attrs.fields_dict(obj)

    def default(match: re.Match[str]) -> str:
        value = fields[match.group(1)].default
        if isinstance(value, attrs.Factory):  # type: ignore[arg-type]
            return f"{value.factory.__name__}()"  # type: ignore[attr-defined]
        return repr(value)

    return _ATTRS_DEFAULT.sub(default, signature), return_annotation


def setup(app: Sphinx) -> None:
    """Register the alias handling and the attrs defaults."""
    _restify_aliases()
    _plain_attribute_docstrings()
    app.connect("missing-reference", _resolve_alias_refs)
    app.connect("autodoc-process-signature", _attrs_defaults)


html_theme = "furo"
html_title = f"levrisk {release}"
html_theme_options = {
    # The enclosed-letters font first: it draws only U+2460-24FF (docs/_static/levrisk.css).
    "light_css_variables": {
        "font-stack": '"levrisk-enclosed", -apple-system, BlinkMacSystemFont, "Segoe UI", '
        "Helvetica, Arial, sans-serif, Apple Color Emoji, Segoe UI Emoji",
        "font-stack--monospace": '"levrisk-enclosed", SFMono-Regular, Menlo, Consolas, Monaco, '
        "Liberation Mono, Lucida Console, monospace",
    },
}
# Everything the pages load is served from the site: no CDN (offline_assets.py).
html_static_path = ["_static", str(enclosed_fonts(_HERE / "_build" / "fonts"))]
html_css_files = ["levrisk.css"]
if (_mathjax := mathjax_script()) is not None:
    mathjax_path = MATHJAX_FILE
    html_static_path.append(str(_mathjax))
else:
    print(  # noqa: T201 - a hint at configuration time, where Sphinx has no logger yet
        "levrisk docs: sphinx-mathjax-offline is not installed (pip install -e '.[docs]'); "
        "the pages will load MathJax from the network"
    )
