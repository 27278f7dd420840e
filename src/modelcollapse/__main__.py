"""``python -m modelcollapse``: the same as the ``modelcollapse`` command."""

import sys

from .cli import main

sys.exit(main())
