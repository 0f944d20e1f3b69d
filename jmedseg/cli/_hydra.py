"""Shared by `jmedseg train|evaluate|pretrain`: hand the arguments to Hydra, print jmedseg's errors as one line."""
import logging
import sys

from jmedseg.errors import JmedsegError

logger = logging.getLogger("jmedseg")


def run_hydra(main, prog, argv):
    """Run the Hydra entry `main` with `argv` as its command line (overrides, -m, --cfg job, ...)."""
    saved = sys.argv
    sys.argv = [prog, *argv]
    try:
        main()
    finally:
        sys.argv = saved
    return 0


def call_or_exit(function, cfg):
    """`function(cfg)`; a problem jmedseg explains (bad config, divergence, bad file) ends the run in one line."""
    try:
        return function(cfg)
    except (JmedsegError, FileNotFoundError) as err:   # anything else is a bug: its traceback stays
        logger.error("%s: %s", type(err).__name__, err)
        sys.exit(2)
