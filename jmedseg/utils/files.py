"""Atomic, umask-respecting file writes: the one way jmedseg writes a file.

A result is written to a temporary file in the destination folder (named
`.tmp-*`, so a crash leaves a recognisable leftover), flushed to disk, given
the mode a plain `open(path, "w")` would give (0o666 minus the user's umask:
`tempfile.mkstemp` alone leaves 0o600, which a colleague on a shared cluster
cannot read) and renamed over the destination. Readers therefore see either
the old file or the whole new one, never half of one.

A write that fails for a reason the user can fix (no permission, a read-only or
full disk, a name too long, a folder where a file should go) raises `OutputError`,
whose message names the path and the fix, instead of a bare OSError traceback.
"""
import contextlib
import errno
import logging
import os
import tempfile

from jmedseg.errors import OutputError

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
_WRITE_FIXES = {   # errno -> what the user can do (the system's own words say what happened)
    errno.EACCES: "choose an output folder you may write to",
    errno.EPERM: "choose an output folder you may write to",
    errno.EROFS: "choose an output folder on a writable disk",
    errno.ENOSPC: "free some space or choose an output folder on another disk",
    errno.EDQUOT: "free some space or choose an output folder on another disk",
    errno.EFBIG: "choose an output folder on another disk, or raise the file-size limit (ulimit -f)",
    errno.ENAMETOOLONG: "use a shorter file name or subject id",
    errno.EISDIR: "give a file name instead of a folder",
    errno.ENOTDIR: "a part of that path is a file, not a folder; choose another output path",
    errno.EEXIST: "a file of that name is in the way; choose another output path",
}


@contextlib.contextmanager
def writing(path):
    """Turn the OSErrors a user can fix while writing `path` into OutputError naming `path` and the fix.

    Other OSErrors (and every other exception) pass unchanged: they are not the user's to fix.
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as err:
        fix = _WRITE_FIXES.get(err.errno)
        if fix is None:
            raise
        out = OutputError(f"cannot write {path}: {err.strerror or err}; {fix}")
        out.errno = err.errno
        raise out from err


def current_umask():
    """The process umask, read without changing it where the OS allows (Linux /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere the only portable read is set-and-restore
    os.umask(mask)
    return mask


def default_file_mode():
    """The mode `open(path, "w")` creates a file with: 0o666 less the umask."""
    return 0o666 & ~current_umask()


def default_folder_mode():
    """The mode `os.makedirs` creates a folder with: 0o777 less the umask."""
    return 0o777 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to `path`; on success it replaces `path` atomically.

    The temporary name keeps `path`'s own name as suffix (libraries such as
    nibabel choose the format from it). On an exception the temporary file is
    removed and `path` is left as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    with writing(path):
        if os.path.isdir(path):   # os.replace would fail only after the whole file was written
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix="-" + os.path.basename(path))
        os.close(fd)
        try:
            yield tmp
            with open(tmp, "rb") as f:  # the writer may have closed the file without syncing it
                os.fsync(f.fileno())
            os.chmod(tmp, default_file_mode())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def atomic_write_bytes(path, data):
    """Write `data` (bytes) to `path` atomically, with the user's umask."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def make_private_temp_folder_public(folder):
    """Give a folder from `tempfile.mkdtemp` (0o700) the mode `os.makedirs` would have given it."""
    os.chmod(folder, default_folder_mode())


def remove_stale_temp_files(folder):
    """Delete `.tmp-*` files an interrupted write left in `folder` (not recursive); returns their paths.

    Call it only when no other process writes into `folder` (e.g. when a run resumes).
    """
    removed = []
    if not os.path.isdir(folder):
        return removed
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(TEMP_PREFIX) and os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
            removed.append(path)
    if removed:
        logger.info("removed %d temporary file(s) left by an interrupted write in %s", len(removed), folder)
    return removed
