#!/usr/bin/env bash
# Install everything, then run lint, the headless-core import contract and the test suite.
#   bash packaging/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install.sh
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check anomalizer_desktop tests
.venv/bin/ruff format --check anomalizer_desktop tests
.venv/bin/lint-imports
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
