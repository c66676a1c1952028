r"""Check a built HTML site: it loads nothing remote, its images exist, its math is typeset.

Usage: ``python docs/_ext/check_html.py BUILD_DIR [--browser CHROMIUM]``

1. **Offline**: no page or stylesheet loads a script, style, font, image or frame from
   the network (``http://``, ``https://`` or ``//`` in ``src``, ``srcset``, ``data``,
   the ``href`` of a ``<link>`` other than ``canonical``, ``url(...)`` or ``@import``).
   Plain links (``<a href>``) are fine: a reader follows them on purpose.
2. **No missing image**: every local ``<img src>`` names a file of the site.
3. **No raw TeX as text**: outside math, code and scripts, no page shows ``$$``,
   ``\frac``, ``\[`` or ``\(`` (math MyST or reST failed to parse); every page with
   math loads a local MathJax that exists.
4. With ``--browser``, the key pages are opened in headless Chromium (no network) and
   their rendered DOM is read back: each page with math must hold typeset math
   (``mjx-container``) and, outside it, no raw TeX.

Exit status 0 when every check passes; otherwise each problem is printed, one a line.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)
RAW_TEX = re.compile(r"\$\$|\\frac\b|\\\[|\\\(|\\begin\{")
KEY_PAGES = (
    "index.html",
    "tutorial.html",
    "how-to/parse-brackets.html",
    "reference/futures.html",
    "explanation/formulas.html",
    "explanation/venues.html",
)
"""Pages opened in the browser: the index, the tutorial, a how-to, a reference page, the
formula reference and the venues table (the plot pages are found by their images)."""

# Elements whose text is not prose: code shows TeX on purpose, MathJax owns math.
_SKIPPED = {"script", "style", "pre", "code", "mjx-container", "textarea", "svg"}
_MATH_CLASSES = {"math", "math-wrapper"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Page(HTMLParser):
    """Collect a page's loaded resources, images, math and prose text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[str] = []
        self.images: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.math = 0
        self.typeset = 0
        self.text: list[str] = []
        self._stack: list[bool] = []  # per open element: is its text skipped?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = set(values.get("class", "").split())
        if tag == "mjx-container":
            self.typeset += 1
        if classes & _MATH_CLASSES:
            self.math += 1
        self._resources(tag, values)
        if tag not in _VOID:
            skipped = tag in _SKIPPED or bool(classes & _MATH_CLASSES)
            self._stack.append(skipped or any(self._stack[-1:]))

    def _resources(self, tag: str, values: dict[str, str]) -> None:
        for name in ("src", "data", "poster"):
            if values.get(name):
                self.resources.append(values[name])
        if values.get("srcset"):
            self.resources.extend(part.split()[0] for part in values["srcset"].split(","))
        if tag == "link" and values.get("href") and values.get("rel", "") != "canonical":
            self.resources.append(values["href"])
            if "stylesheet" in values.get("rel", ""):
                self.styles.append(values["href"])
        if tag == "img" and values.get("src"):
            self.images.append(values["src"])
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"])
        if values.get("style"):
            self.resources.extend(css_urls(values["style"]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1]:
            if self.lasttag == "style":
                self.resources.extend(css_urls(data))
            return
        self.text.append(data)


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet loads (``url(...)`` and ``@import``), ``data:`` ones left out."""
    found = [m.group(2) if m.group(2) is not None else m.group(4) for m in CSS_URL.finditer(css)]
    return [url for url in found if url and not url.lower().startswith("data:")]


def _excerpt(text: str, match: re.Match[str]) -> str:
    """The matched text with 30 characters of context on each side."""
    return text[max(match.start() - 30, 0) : match.end() + 30]


def parse(html: str) -> _Page:
    """Parse one page."""
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _local(base: Path, ref: str) -> Path | None:
    """The file a relative reference names, or ``None`` for data URIs and remote ones."""
    ref = ref.split("#", 1)[0].split("?", 1)[0]
    if not ref or ref.lower().startswith("data:") or REMOTE.match(ref):
        return None
    return (base / ref).resolve()


def check_page(path: Path, html: str) -> list[str]:
    """The problems of one built page (the static checks 1 to 3)."""
    page = parse(html)
    problems = [
        f"{path}: loads a remote resource {ref}" for ref in page.resources if REMOTE.match(ref)
    ]
    for src in page.images:
        local = _local(path.parent, src)
        if local is not None and not local.is_file():
            problems.append(f"{path}: missing image {src}")
    text = "".join(page.text)
    if match := RAW_TEX.search(text):
        problems.append(f"{path}: raw TeX in the text: {_excerpt(text, match)!r}")
    if page.math:
        mathjax = [src for src in page.scripts if "tex-" in src or "mathjax" in src.lower()]
        local = [_local(path.parent, src) for src in mathjax]
        if not any(file is not None and file.is_file() for file in local):
            problems.append(f"{path}: has math but loads no local MathJax ({mathjax})")
    return problems


def check_css(path: Path, css: str) -> list[str]:
    """The remote resources a stylesheet loads."""
    return [f"{path}: loads a remote resource {url}" for url in css_urls(css) if REMOTE.match(url)]


def check_site(root: Path) -> list[str]:
    """Every static problem of the site under ``root``."""
    problems: list[str] = []
    for path in sorted(root.rglob("*.html")):
        problems += check_page(path, path.read_text(encoding="utf-8"))
    for path in sorted(root.rglob("*.css")):
        problems += check_css(path, path.read_text(encoding="utf-8"))
    return problems


def check_rendered(path: Path, dom: str) -> list[str]:
    """The problems of a page's DOM after the browser ran its scripts (check 4)."""
    page = parse(dom)
    problems = []
    if page.math and not page.typeset:
        problems.append(f"{path}: math was not typeset (no mjx-container in the rendered page)")
    text = "".join(page.text)
    if match := RAW_TEX.search(text):
        problems.append(f"{path}: raw TeX left after rendering: {_excerpt(text, match)!r}")
    return problems


def render(browser: str, path: Path) -> str:
    """The DOM of ``path`` after headless Chromium ran its scripts, without network."""
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",  # any network request fails: the page must not need one
            "--virtual-time-budget=20000",
            "--dump-dom",
            path.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)  # noqa: S603 - our own argv
    return done.stdout


def key_pages(root: Path) -> list[Path]:
    """The key pages and every page that shows a generated plot."""
    pages = [root / name for name in KEY_PAGES]
    plots = [p for p in sorted(root.rglob("*.html")) if "_images/" in p.read_text(encoding="utf-8")]
    return [p for p in dict.fromkeys(pages + plots) if p.is_file()]


def main(argv: list[str] | None = None) -> int:
    """Run the checks; print the problems; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the built HTML folder")
    parser.add_argument("--browser", help="a Chromium executable: also check the rendered pages")
    args = parser.parse_args(argv)
    root: Path = args.root
    missing = [name for name in KEY_PAGES if not (root / name).is_file()]
    problems = [f"{root / name}: key page missing" for name in missing] + check_site(root)
    pages = key_pages(root)
    if args.browser:
        for page in pages:
            problems += check_rendered(page, render(args.browser, page))
    for problem in problems:
        print(problem)  # noqa: T201 - the report
    rendered = f", {len(pages)} rendered in {args.browser}" if args.browser else ""
    print(f"checked {len(list(root.rglob('*.html')))} pages{rendered}: {len(problems)} problem(s)")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
