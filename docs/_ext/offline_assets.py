"""Serve every asset of the built site from the site itself: MathJax and the Ⓢ font.

The documentation must read the same offline as online, so the built HTML refers to no
remote script, style, font or image (``check_html.py`` verifies it):

- **MathJax 3** comes from the ``sphinx-mathjax-offline`` package (the ``docs`` extra),
  which vendors MathJax 3.2.2. Only its single-file ``tex-svg-full.js`` is copied into
  ``_static``: it carries every TeX extension and draws glyphs as SVG paths, so it
  loads no other file (no font files, no extension on demand).
- **Ⓢ** ("USDⓈ-M", Binance's own spelling) is in none of the usual system fonts nor in
  furo's font stack, and browsers show a box. matplotlib (also in the ``docs`` extra)
  ships STIX fonts that have it; a subset of them (the Enclosed Alphanumerics block only,
  a few kB) becomes a web font that the stylesheet puts first in furo's font stacks with
  ``unicode-range``, so it draws those characters and nothing else.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

MATHJAX_FILE = "tex-svg-full.js"
"""The MathJax component the pages load (``mathjax_path``)."""

ENCLOSED = "U+2460-24FF"
"""The Enclosed Alphanumerics block: ①, Ⓐ … Ⓩ, ⓐ … ⓩ (Ⓢ is U+24C8)."""

_FONTS = {
    "levrisk-enclosed.ttf": "STIXGeneral.ttf",
    "levrisk-enclosed-bold.ttf": "STIXGeneralBol.ttf",
}


def mathjax_script() -> Path | None:
    """The vendored MathJax 3 single-file component, from ``sphinx-mathjax-offline``.

    ``None`` where that package (or the file in it) is missing, as in an environment made
    before the ``docs`` extra carried it: the pages then load MathJax from Sphinx's default
    CDN, and ``check_html.py`` (run by ``.ci/run`` on the build made with the ``docs``
    extra alone) reports the remote script.
    """
    try:
        dist = distribution("sphinx-mathjax-offline")
    except PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(f"sphinx-mathjax-offline/static/mathjax/{MATHJAX_FILE}")))
    return path if path.is_file() else None


def enclosed_fonts(folder: Path) -> Path:
    """Write the Ⓢ web fonts (regular and bold) into ``folder``; return the folder.

    Each is matplotlib's STIX font cut down to :data:`ENCLOSED` with fontTools (a
    matplotlib dependency). An existing file is kept.
    """
    import matplotlib as mpl  # noqa: PLC0415 - the docs extra has it; only the build needs it
    from fontTools import subset  # noqa: PLC0415 - as above

    folder.mkdir(parents=True, exist_ok=True)
    source = Path(mpl.get_data_path()) / "fonts" / "ttf"
    for name, stix in _FONTS.items():
        target = folder / name
        if target.is_file():
            continue
        options = subset.Options()
        options.name_IDs = ["*"]  # keep the name table: the licence and the copyright
        options.drop_tables += ["FFTM"]  # FontForge's timestamps: not needed, not subsettable
        with subset.load_font(str(source / stix), options) as font:
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=range(0x2460, 0x2500))
            subsetter.subset(font)
            subset.save_font(font, str(target), options)
    return folder
