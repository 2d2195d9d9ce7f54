"""`python -m anomalizer_desktop.cli`: the `anomalizer` command line."""

import sys

from anomalizer_desktop.cli import main

sys.exit(main())
