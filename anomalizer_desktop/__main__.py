"""`python -m anomalizer_desktop`: the desktop app (the CLI: `python -m anomalizer_desktop.cli`)."""

import sys

from anomalizer_desktop.ui.app import main

sys.exit(main())
