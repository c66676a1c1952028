#!/usr/bin/env bash
# Mutation testing of the formula modules with mutmut: a separate script, not part of CI
# (it takes minutes). Prints the kill rate per module and lists the surviving mutants.
#
#   bash scripts/mutation.sh                # every formula module (see [tool.mutmut])
#   bash scripts/mutation.sh "levrisk.brackets*"   # only some mutants (mutmut's selector)
#
# levrisk is installed NON-editable in a separate virtual environment: mutmut puts its
# mutated copy of src/ first on sys.path, and an editable install's import hook would
# shadow it. The "mutation" Hypothesis profile (conftest.py) keeps each run short.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=${MUTATION_VENV:-.venv-mutmut}
[ -x "$venv/bin/mutmut" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check ".[test]" "mutmut>=3.3"
}
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall .
rm -rf mutants
HYPOTHESIS_PROFILE=mutation "$venv/bin/mutmut" run "$@" || true
"$venv/bin/mutmut" results --all true 2>/dev/null | python3 scripts/mutation_report.py
