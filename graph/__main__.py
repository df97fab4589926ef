"""``python -m graph``: the same as the ``gategraph`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
