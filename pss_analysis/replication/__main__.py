"""``python -m pss_analysis.replication``."""

import sys

from pss_analysis.replication import main

sys.exit(main())
