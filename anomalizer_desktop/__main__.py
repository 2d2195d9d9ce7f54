"""`python -m anomalizer_desktop`: the desktop app (the CLI: `python -m anomalizer_desktop.cli`)."""

import sys

from anomalizer_desktop.ui.app import main

if __name__ == "__main__":  # spawned worker processes import this module too
    sys.exit(main())
