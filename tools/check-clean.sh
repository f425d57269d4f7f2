#!/usr/bin/env bash
# Run lint, type checks and tests on HEAD plus the given paths (as they are in the working tree),
# in a scratch worktree, so helpers' unfinished files never leak into a commit's check.
set -euo pipefail
top=$(git rev-parse --show-toplevel)
wt=$(mktemp -d /tmp/neurectomy-check.XXXXXX)
git -C "$top" worktree add --detach -q "$wt" HEAD
trap 'git -C "$top" worktree remove --force "$wt"' EXIT
for p in "$@"; do mkdir -p "$wt/$(dirname "$p")"; cp -rT "$top/$p" "$wt/$p"; done
cd "$wt"
export PYTHONPATH="$wt/src" NEURECTOMY_CACHE_DIR="$wt/.cache" NEURECTOMY_SHARED="$(dirname "$top")/shared"
"$top/.venv/bin/ruff" check src tests benchmarks
"$top/.venv/bin/mypy" src/neurectomy
"$top/.venv/bin/pytest" -q -p no:cacheprovider "${PYTEST_ARGS[@]:-}" 2>&1 | tail -15
