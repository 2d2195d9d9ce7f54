#!/usr/bin/env bash
# Install everything, then open the desktop app on its defaults (library in the user data folder).
# Folders named on the command line are added: scanned, embedded and scored.
#   bash packaging/run.sh [~/Samples/Loops ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install.sh
exec .venv/bin/anomalizer-desktop "$@"
