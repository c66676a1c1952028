"""Development sessions: ``nox`` runs them all, ``nox -s lint`` one of them.

- ``tests``: the test suite with branch coverage (``fail_under = 100``) on each of
  Python 3.10 to 3.13 found on the machine; a missing interpreter is skipped, not an error.
- ``lint``: ruff (lint and format check) and the import-linter contracts.
- ``typing``: mypy ``--strict`` on ``src/`` and ``tests/`` (``tests/typing/`` included).
- ``docs``: the Sphinx build with the ``docs`` extra alone, nitpicky, warnings as errors,
  and the built site's check (offline, images, typeset math).
- ``build``: the sdist and wheel, and ``twine check --strict`` on them.

Extra arguments go to the session's main tool: ``nox -s tests -- -k interest``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
LINTED = ["src", "tests", "docs", "benchmarks", "scripts", "conftest.py", "noxfile.py"]

nox.options.sessions = ["tests", "lint", "typing", "docs", "build"]
# Skip an interpreter the machine does not have, also where the CI variable is set.
nox.options.error_on_missing_interpreters = False


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (tests, docstrings, docs pages, README) with branch coverage."""
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        "--cov=levrisk",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check lint, formatting and the import layers."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)
    session.run("lint-imports")


@nox.session
def typing(session: nox.Session) -> None:
    """Type-check the package and the tests with mypy --strict."""
    session.install("-e", ".[typing,test]")
    session.run("mypy", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the HTML docs with the docs extra alone (nitpicky, warnings are errors); check them.

    The check (``docs/_ext/check_html.py``): nothing remote loaded, no missing image, no
    raw TeX; with Chromium on the PATH, the key pages rendered and their math typeset.
    """
    session.install("-e", ".[docs]")  # levrisk.batch's array_api_compat is mocked: conf.py
    out = session.create_tmp()
    session.run(
        "sphinx-build",
        "-n",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        f"{out}/doctrees",
        "docs",
        f"{out}/html",
        *session.posargs,
    )
    browser = shutil.which("chromium")
    check = ["python", "docs/_ext/check_html.py", f"{out}/html"]
    session.run(*check, *(["--browser", browser] if browser else []))


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel and check their metadata."""
    session.install("-e", ".[release]")
    out = Path(session.create_tmp()) / "dist"
    shutil.rmtree(out, ignore_errors=True)  # no stale artefacts from an earlier run
    session.run("python", "-m", "build", "--outdir", str(out), ".", silent=True)
    session.run("twine", "check", "--strict", *sorted(str(path) for path in out.iterdir()))
