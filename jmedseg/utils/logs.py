"""Logging set-up: jmedseg's library code logs through `logging.getLogger(__name__)`.

Under Hydra (train.py, evaluate.py, pretrain.py, `jmedseg train`) the messages
go to the console and to the run folder's log file; the plain CLI shows them
on the console (`console_logging`). Under MPI only rank 0 speaks.
"""
import logging
import sys


def quiet_unless_main(main):
    """On MPI ranks other than 0 keep only warnings and errors, so each message appears once."""
    logging.getLogger("jmedseg").setLevel(logging.INFO if main else logging.WARNING)


def console_logging(level=logging.INFO):
    """Show jmedseg's messages on stderr as plain lines, unless logging is already configured."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    logging.getLogger("jmedseg").setLevel(level)
