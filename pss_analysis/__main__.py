"""``python -m pss_analysis`` is the same as the ``pss`` command."""

import sys

from .cli import main

sys.exit(main())
