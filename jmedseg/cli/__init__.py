"""The `jmedseg` command: `jmedseg <command> [options]`, e.g. `jmedseg phantom --subjects 40 --out DIR`.

Each public module in `jmedseg/cli/` is one sub-command: it defines `NAME`, `HELP`,
`add_arguments(parser)` and `run(args) -> int` (the exit code). A module with
`HYDRA = True` (train, evaluate, pretrain) gets the rest of the command line
as Hydra overrides: `run(argv)`.
"""
import argparse
import importlib
import logging
import pkgutil
import sys

from jmedseg.errors import JmedsegError
from jmedseg.utils.logs import console_logging
from jmedseg.version import __version__

# What the CLI reports in one line: problems jmedseg diagnosed, and a path that does not exist.
# Anything else is a bug and keeps its traceback.
USER_ERRORS = (JmedsegError, FileNotFoundError)


def _commands():
    mods = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            mod = importlib.import_module(f"{__name__}.{info.name}")
            mods[mod.NAME] = mod
    return mods


def build_parser():
    parser = argparse.ArgumentParser(prog="jmedseg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"jmedseg {__version__}")
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-v", "--verbose", action="store_const", const=logging.DEBUG, dest="log_level",
                      default=logging.INFO, help="also show debugging messages")
    talk.add_argument("-q", "--quiet", action="store_const", const=logging.WARNING, dest="log_level",
                      help="show only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, mod in sorted(_commands().items()):
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _commands().get(argv[0]) if argv else None
    if getattr(command, "HYDRA", False):
        console_logging()
        return int(command.run(argv[1:]) or 0)
    parser = build_parser()
    args = parser.parse_args(argv)
    console_logging(args.log_level)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except USER_ERRORS as err:
        print(f"jmedseg {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
