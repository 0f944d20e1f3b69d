"""Sub-commands of the `jmedseg` CLI, one module each (see jmedseg/cli.py)."""
