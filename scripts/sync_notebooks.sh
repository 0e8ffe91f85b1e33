#!/usr/bin/env bash
# Regenerate every notebook (.ipynb) from its reviewable percent script (.py), clean:
# no outputs, no execution counts, sequential cell ids (nbstripout), so diffs stay small.
#   scripts/sync_notebooks.sh            all notebooks and notebook fixtures
#   scripts/sync_notebooks.sh FILE.py…   only these
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(notebooks/*.py tests/fixtures/notebooks/*.py)
for py in "${files[@]}"; do
  [ -f "$py" ] || continue
  ipynb="${py%.py}.ipynb"
  if [ -f "$ipynb" ]; then
    "$BIN/jupytext" --quiet --to ipynb --update "$py"
  else
    "$BIN/jupytext" --quiet --to ipynb --set-kernel python3 "$py"
  fi
  "$BIN/python" -m nbstripout "$ipynb"
done
