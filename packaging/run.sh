#!/usr/bin/env bash
# Install everything, then run the app's main job on its embedded defaults:
# scan the folders you name into your library and compute DSP embeddings for every loop.
#   bash packaging/run.sh ~/Samples/Loops [more folders...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install.sh
exec .venv/bin/anomalizer start "$@"
