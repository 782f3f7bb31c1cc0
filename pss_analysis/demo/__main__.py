"""``python -m pss_analysis.demo``."""

import sys

from pss_analysis.demo import main

sys.exit(main())
