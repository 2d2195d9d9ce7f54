"""`python -m anomalizer_desktop`: the command line (the desktop window arrives with the GUI)."""

import sys

from anomalizer_desktop.cli import main

sys.exit(main())
