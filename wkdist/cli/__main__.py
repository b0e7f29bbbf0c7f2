"""``python -m wkdist.cli``."""

from __future__ import annotations

import sys

from wkdist.cli.entry import main

sys.exit(main())
