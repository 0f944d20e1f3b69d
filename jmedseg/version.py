"""The package version, in a module of its own so that any layer may read it (docs/layout.md)."""
__version__ = "0.1.0"   # keep equal to pyproject.toml's [project] version
