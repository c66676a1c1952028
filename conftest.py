"""pytest configuration shared by tests/, docstrings, docs/ and the README.

- Hypothesis profiles: ``default`` (no deadline: CI machines are small and shared),
  ``ci`` (more examples, derandomised) and ``fuzz`` (the slow fuzz contract of
  ``tests/test_fuzz.py``: 700 examples per public entry point, over 10⁵ calls in all,
  run by CI as its own step); pick one with ``HYPOTHESIS_PROFILE``.
- Sybil runs every ``>>>`` example of the package's docstrings and every Python code
  block of ``docs/`` and the README, so documentation cannot drift from the code.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from sybil import Sybil
from sybil.parsers import markdown, myst, rest
from sybil.sybil import SybilCollection

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=200,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    # The fuzz contract's own run: tests/test_fuzz.py draws this many calls per entry
    # point (its ordinary runs draw a few); the rest of the suite is not meant for it.
    "fuzz",
    deadline=None,
    derandomize=True,
    max_examples=700,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    # Mutation testing re-runs the suite in one process (mutmut); fewer examples keep a
    # run short, and the test classes legitimately get new executors on each run.
    "mutation",
    deadline=None,
    max_examples=30,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_docstrings = Sybil(
    parsers=[rest.DocTestParser()],
    patterns=["*.py"],
    path="src/levrisk",
)
_docs = Sybil(
    parsers=[
        myst.DocTestDirectiveParser(),
        myst.PythonCodeBlockParser(),
        myst.SkipParser(),
    ],
    patterns=["*.md"],
    path="docs",
    excludes=["_build/*"],
)
_readme = Sybil(
    parsers=[markdown.PythonCodeBlockParser(), markdown.SkipParser()],
    patterns=["README.md"],
    path=".",
)

pytest_collect_file = SybilCollection([_docstrings, _docs, _readme]).pytest()
