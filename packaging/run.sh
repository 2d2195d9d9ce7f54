#!/usr/bin/env bash
# Install everything, then open the desktop app on its defaults (library in the user data folder).
# Folders named on the command line are added: scanned, embedded and scored.
#   bash packaging/run.sh [~/Samples/Loops ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install.sh
# two C heap arenas from the first allocation on (the app asks for it too, a little later:
# anomalizer_desktop/core/malloc_arenas.py)
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec .venv/bin/anomalizer-desktop "$@"
