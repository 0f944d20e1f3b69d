"""`python -m jmedseg <command> ...`: the same as the `jmedseg` command (useful without the console script)."""
import sys

from jmedseg.cli import main

if __name__ == "__main__":
    sys.exit(main())
