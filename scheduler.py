"""The newswatch monitoring daemon: `python scheduler.py [--once] [--db PATH] [--replay DIR]`.

See newswatch/daemon.py and the README's "The daemon" section."""

import sys

from newswatch.daemon import main

if __name__ == "__main__":
    sys.exit(main())
