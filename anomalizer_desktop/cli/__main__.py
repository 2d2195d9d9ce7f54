"""`python -m anomalizer_desktop.cli`: the `anomalizer` command line."""

import sys

from anomalizer_desktop.cli import main

if __name__ == "__main__":  # spawned worker processes import this module too
    sys.exit(main())
