"""``python -m acsim``."""

import sys

from acsim.cli.main import main

sys.exit(main())
