"""``python -m harness <verb>``: the workshop's one command line (harness/cli.py)."""
import sys

from harness.cli import main

sys.exit(main())
