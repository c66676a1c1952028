"""The documentation site's own tooling: the built-site check and the offline assets.

``docs/_ext/check_html.py`` is what ``.ci/run`` runs on the built HTML (nothing remote,
no missing image, no raw TeX, math typeset); ``docs/_ext/offline_assets.py`` serves
MathJax and the Ⓢ font from the site; ``docs/conf.py`` shows attrs defaults in
signatures. None of them is part of the package, so they are loaded from their files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import attrs
import pytest

DOCS = Path(__file__).parent.parent / "docs"


def _load(name: str, path: Path) -> ModuleType:
    """Import a module of ``docs/`` from its file."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check_html = _load("levrisk_docs_check_html", DOCS / "_ext" / "check_html.py")
offline_assets = _load("levrisk_docs_offline_assets", DOCS / "_ext" / "offline_assets.py")

_MATHJAX = '<script defer src="_static/tex-svg-full.js"></script>'


def _page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    """Write a small built site: the key pages (plain) plus ``pages``."""
    for name in check_html.KEY_PAGES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page("<p>fine</p>"), encoding="utf-8")
    for name, html in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return tmp_path


class TestRemoteResources:
    """A built page loads no script, style, font or image from the network."""

    @pytest.mark.parametrize(
        "html",
        [
            _page("", '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js">'),
            _page("", '<link rel="stylesheet" href="//fonts.example/css">'),
            _page('<img src="http://example.com/a.png">'),
            _page('<img srcset="a.png 1x, https://example.com/b.png 2x" src="a.png">'),
            _page('<div style="background: url(https://example.com/bg.png)"></div>'),
            _page("<style>@import 'https://example.com/x.css';</style>"),
            _page('<iframe src="https://example.com/embed"></iframe>'),
        ],
        ids=["script", "stylesheet", "image", "srcset", "inline style", "style import", "frame"],
    )
    def test_remote_resource_is_reported(self, tmp_path: Path, html: str) -> None:
        """Each way of loading a remote resource is reported."""
        (tmp_path / "a.png").write_bytes(b"png")
        problems = check_html.check_page(tmp_path / "page.html", html)
        assert any("remote resource" in problem for problem in problems), problems

    def test_plain_links_and_local_assets_are_fine(self, tmp_path: Path) -> None:
        """Links a reader follows, canonical links, data URIs and local files are fine."""
        (tmp_path / "a.png").write_bytes(b"png")
        html = _page(
            '<a href="https://docs.python.org/3/">Python</a><img src="a.png">'
            '<img src="data:image/png;base64,AAAA">',
            '<link rel="canonical" href="https://levrisk.readthedocs.io/">'
            '<link rel="stylesheet" href="_static/levrisk.css">',
        )
        assert check_html.check_page(tmp_path / "page.html", html) == []

    def test_stylesheet_urls(self, tmp_path: Path) -> None:
        """A stylesheet's remote url() and @import are reported, its data: URIs are not."""
        css = (
            '@font-face { src: url("levrisk-enclosed.ttf"); }\n'
            'a { background: url("data:image/svg+xml;charset=utf-8,'
            "<svg xmlns='http://www.w3.org/2000/svg'/>\"); }\n"
            "b { background: url(https://example.com/x.png); }\n"
            '@import "//example.com/y.css";\n'
        )
        problems = check_html.check_css(tmp_path / "s.css", css)
        assert [problem.rsplit(" ", 1)[1] for problem in problems] == [
            "https://example.com/x.png",
            "//example.com/y.css",
        ]


class TestImagesAndMath:
    """Every image exists; math is left to a local MathJax; no TeX shows as text."""

    def test_missing_image(self, tmp_path: Path) -> None:
        """An <img src> that names no file of the site is reported."""
        problems = check_html.check_page(tmp_path / "p.html", _page('<img src="_images/x.png">'))
        assert problems == [f"{tmp_path / 'p.html'}: missing image _images/x.png"]

    def test_math_needs_a_local_mathjax(self, tmp_path: Path) -> None:
        """A page with math must load a MathJax script that exists in the site."""
        body = '<div class="math notranslate nohighlight">\\[\\frac{a}{b}\\]</div>'
        problems = check_html.check_page(tmp_path / "p.html", _page(body, _MATHJAX))
        assert len(problems) == 1
        assert "loads no local MathJax" in problems[0]
        (tmp_path / "_static").mkdir()
        (tmp_path / "_static" / "tex-svg-full.js").write_text("//", encoding="utf-8")
        assert check_html.check_page(tmp_path / "p.html", _page(body, _MATHJAX)) == []

    @pytest.mark.parametrize(
        "text", ["$$x = 1$$", "where \\frac{a}{b} holds", "\\[ x \\]", "\\begin{aligned}"]
    )
    def test_raw_tex_in_prose(self, tmp_path: Path, text: str) -> None:
        """TeX that reaches the page's prose (math that was not parsed) is reported."""
        problems = check_html.check_page(tmp_path / "p.html", _page(f"<p>{text}</p>"))
        assert len(problems) == 1
        assert "raw TeX in the text" in problems[0]

    def test_tex_in_code_is_fine(self, tmp_path: Path) -> None:
        """TeX inside code blocks and inline code is shown on purpose."""
        body = "<pre>r'$$\\frac{a}{b}$$'</pre><p><code>\\frac</code> and <br> text</p>"
        assert check_html.check_page(tmp_path / "p.html", _page(body)) == []


class TestRenderedPages:
    """In the browser's DOM, math is typeset and no TeX is left."""

    def test_untypeset_math(self) -> None:
        """Math elements without any mjx-container mean MathJax did not run."""
        dom = _page('<div class="math">\\[x\\]</div>')
        assert check_html.check_rendered(Path("p.html"), dom) == [
            "p.html: math was not typeset (no mjx-container in the rendered page)"
        ]

    def test_typeset_math(self) -> None:
        """Typeset math, with its TeX only inside MathJax's own elements, passes."""
        dom = _page(
            '<div class="math"><mjx-container display="true"><svg><g>x</g></svg>'
            "<mjx-assistive-mml>x</mjx-assistive-mml></mjx-container></div><p>done</p>"
        )
        assert check_html.check_rendered(Path("p.html"), dom) == []

    def test_raw_tex_after_rendering(self) -> None:
        """TeX left in the prose after the scripts ran is reported."""
        problems = check_html.check_rendered(Path("p.html"), _page("<p>$$x$$</p>"))
        assert problems == ["p.html: raw TeX left after rendering: '$$x$$'"]


class TestSite:
    """The command line: every page and stylesheet, the key pages, the exit status."""

    def test_clean_site(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A clean site passes, and the summary counts its pages."""
        root = _site(tmp_path, {"_static/levrisk.css": "p { color: red; }"})
        assert check_html.main([str(root)]) == 0
        assert capsys.readouterr().out.endswith(
            f"checked {len(check_html.KEY_PAGES)} pages: 0 problem(s)\n"
        )

    def test_problems_fail(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A remote script, a remote font in a stylesheet and a missing key page fail."""
        root = _site(tmp_path, {"x.html": _page("", '<script src="https://a/b.js"></script>')})
        (root / "tutorial.html").unlink()
        (root / "s.css").write_text("@font-face { src: url(https://a/f.woff); }", encoding="utf-8")
        assert check_html.main([str(root)]) == 1
        out = capsys.readouterr().out
        assert "tutorial.html: key page missing" in out
        assert "x.html: loads a remote resource https://a/b.js" in out
        assert "s.css: loads a remote resource https://a/f.woff" in out

    def test_plot_pages_are_key_pages(self, tmp_path: Path) -> None:
        """Every page that shows a generated plot is rendered too."""
        root = _site(tmp_path, {"explanation/plot.html": _page('<img src="../_images/p.png">')})
        assert root / "explanation" / "plot.html" in check_html.key_pages(root)

    def test_browser_pages(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With --browser, each key page's rendered DOM is checked."""
        root = _site(tmp_path, {})
        rendered: list[Path] = []

        def render(browser: str, path: Path) -> str:
            assert browser == "chromium"
            rendered.append(path)
            return _page('<div class="math">\\[x\\]</div>')

        monkeypatch.setattr(check_html, "render", render)
        assert check_html.main([str(root), "--browser", "chromium"]) == 1
        assert len(rendered) == len(check_html.KEY_PAGES)
        assert "rendered in chromium" in capsys.readouterr().out.splitlines()[-1]


class TestOfflineAssets:
    """MathJax and the Ⓢ font come from packages of the docs extra."""

    def test_mathjax_script(self) -> None:
        """The vendored MathJax is a file of sphinx-mathjax-offline, or None without it."""
        path = offline_assets.mathjax_script()
        if importlib.util.find_spec("sphinx-mathjax-offline") is None:
            assert path is None
        else:
            assert path.name == offline_assets.MATHJAX_FILE
            assert path.is_file()

    def test_enclosed_fonts(self, tmp_path: Path) -> None:
        """The subset fonts hold Ⓢ (U+24C8) and little else; existing files are kept."""
        pytest.importorskip("matplotlib")
        ttlib = pytest.importorskip("fontTools.ttLib")
        folder = offline_assets.enclosed_fonts(tmp_path / "fonts")
        for name in ("levrisk-enclosed.ttf", "levrisk-enclosed-bold.ttf"):
            with ttlib.TTFont(str(folder / name)) as font:
                cmap = font.getBestCmap()
            assert 0x24C8 in cmap
            assert all(0x2460 <= code < 0x2500 for code in cmap)
        before = (folder / "levrisk-enclosed.ttf").stat().st_mtime_ns
        offline_assets.enclosed_fonts(folder)
        assert (folder / "levrisk-enclosed.ttf").stat().st_mtime_ns == before


@pytest.fixture(scope="module")
def conf() -> ModuleType:
    """docs/conf.py, where Sphinx is installed."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    return _load("levrisk_docs_conf", DOCS / "conf.py")


class TestAttrsDefaults:
    """Signatures of attrs classes show the fields' defaults, not attrs' source text."""

    def test_defaults_replaced(self, conf: ModuleType) -> None:
        """``attr_dict['x'].default`` becomes the default's repr; a factory shows its call."""

        @attrs.frozen(kw_only=True)
        class Example:
            size: int = 1
            names: list[str] = attrs.field(factory=list)

        signature = (
            "(*, size: int = attr_dict['size'].default, names: list = attr_dict['names'].default)"
        )
        result = conf._attrs_defaults(None, "class", "Example", Example, None, signature, None)
        assert result == ("(*, size: int = 1, names: list = list())", None)

    @pytest.mark.parametrize(
        ("obj", "signature"), [(int, "(x)"), (attrs.make_class("C", ["x"])(1), "(x)"), (int, None)]
    )
    def test_other_objects_untouched(
        self, conf: ModuleType, obj: object, signature: str | None
    ) -> None:
        """Other classes, instances and objects without a signature are left alone."""
        assert conf._attrs_defaults(None, "class", "x", obj, None, signature, None) is None
