"""The CLI reports a user's mistake in one line (exit 2) and lets a bug keep its traceback; --version, -v/-q."""
import logging
import re

import pytest

from jmedseg import errors
from jmedseg.cli import USER_ERRORS, main
from jmedseg.version import __version__


def _one_error_line(err, command):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"jmedseg {command}: error: "), err
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"jmedseg {__version__}"


def test_a_missing_ct_is_one_line(tmp_path, capsys):
    assert main(["measure", "--ct", str(tmp_path / "absent.nii.gz"), "--out", str(tmp_path / "out")]) == 2
    assert "absent.nii.gz" in _one_error_line(capsys.readouterr().err, "measure")


def test_a_file_that_is_no_ct_is_one_line(tmp_path, capsys):
    fake = tmp_path / "ct.nii.gz"
    fake.write_text("not a volume")
    assert main(["measure", "--ct", str(fake), "--out", str(tmp_path / "out")]) == 2
    assert re.search(r"cannot read .*ct\.nii\.gz as NIfTI", _one_error_line(capsys.readouterr().err, "measure"))


def test_a_bad_level_mapping_is_one_line(tmp_path, capsys):
    fake = tmp_path / "ct.nii.gz"
    fake.write_text("not a volume")
    assert main(["measure", "--ct", str(fake), "--labels", "L1", "--out", str(tmp_path / "out")]) == 2
    assert "write NAME=ID pairs like L1=31,L2=30" in _one_error_line(capsys.readouterr().err, "measure")


def test_only_project_errors_and_missing_files_are_user_errors():
    """A plain ValueError (numpy's, a bug's) is not caught: it shows its traceback."""
    assert not issubclass(ValueError, USER_ERRORS) and issubclass(errors.InputError, USER_ERRORS)
    project = [cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, Exception)]
    assert all(issubclass(cls, errors.JmedsegError) for cls in project)


def test_every_exception_class_of_the_package_is_a_project_error():
    """Walks the package for `class X(...Error)` definitions: each derives JmedsegError (or is a warning)."""
    import importlib
    import pkgutil

    import jmedseg

    found = {}
    for info in pkgutil.walk_packages(jmedseg.__path__, "jmedseg."):
        if info.name.startswith(("jmedseg.cli", "jmedseg.conf")) or info.name in ("jmedseg.api", "jmedseg.__main__"):
            continue   # the CLI and the API only re-raise
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == info.name:
                found[f"{info.name}.{value.__name__}"] = value
    assert len(found) >= 10
    outside = [name for name, cls in found.items() if not issubclass(cls, (errors.JmedsegError, Warning))]
    assert not outside, f"exceptions not under JmedsegError: {outside}"


@pytest.mark.parametrize("flag, level", [("-q", logging.WARNING), ("-v", logging.DEBUG), (None, logging.INFO)])
def test_quiet_and_verbose_set_the_log_level(flag, level, capsys):
    assert main(([flag] if flag else []) + ["models", "unet"]) == 0
    assert logging.getLogger("jmedseg").level == level
