"""``python -m pss_analysis`` is the same as the ``pss`` command."""

import sys

from pss_analysis.run.cli import main

sys.exit(main())
