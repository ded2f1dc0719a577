"""``python -m audio``: see :mod:`audio.cli`."""

import sys

from audio.cli import main

sys.exit(main())
