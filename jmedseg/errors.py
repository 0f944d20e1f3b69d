"""The exceptions jmedseg raises on purpose, all under one base class.

Catching `JmedsegError` catches every problem jmedseg diagnosed itself (bad
input, bad configuration, a run that cannot go on); the CLI and the Hydra
entry points print such errors as one line instead of a traceback. Each
subclass also derives from the built-in type callers caught before it existed
(ValueError, KeyError, ...), so existing `except ValueError` code keeps working.
"""


class JmedsegError(Exception):
    """Base class: a problem jmedseg found and explained in its message."""


class ConfigError(JmedsegError, ValueError):
    """A configuration value that cannot work (e.g. trainer.batch_size=0); the message names the key."""


class TrainingDiverged(JmedsegError, FloatingPointError):
    """The training loss exploded or stopped being finite; the message names the setting to lower."""


class InputError(JmedsegError, ValueError):
    """Bad user data (a CT, a mask, a CSV row, a DICOM series, an id): the message names the problem and the fix."""


class UsageError(JmedsegError):
    """A problem with the user's command-line input: printed as one line, exit code 2."""


class OutputError(JmedsegError, OSError):
    """An output file or folder that cannot be written; the message names the path and the fix."""
