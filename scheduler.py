"""The newswatch monitoring daemon: `python scheduler.py`.

It re-crawls every outlet on a cron-style schedule. The daemon is built in its own issue; until
it lands this entry point says so and exits with status 2, rather than pretending to run.
"""

import sys


def main() -> int:
    try:
        from newswatch.daemon import main as daemon_main
    except ImportError:
        print(
            "newswatch: the scheduling daemon is not built yet; until it is, run "
            "`scrapy crawl <outlet>` from cron (see README.md).",
            file=sys.stderr,
        )
        return 2
    return daemon_main()


if __name__ == "__main__":
    sys.exit(main())
