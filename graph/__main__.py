"""``python -m graph``: the same as the ``gategraph`` command, Ctrl-C handled as `gategraph_launcher` says."""

import sys

from gategraph_launcher import main

if __name__ == "__main__":
    sys.exit(main())
