"""Files of arrays plus JSON metadata that can be opened without running code.

An archive is a numpy `.npz` (a zip of `.npy` arrays) read with
`allow_pickle=False`: numeric arrays only, never Python objects. A nested
structure (dicts, lists, numbers, strings, numpy arrays) is stored as one JSON
document (member `meta.json`, a uint8 array) in which each array is replaced by
a reference `{"__array__": NAME}` to the member holding it. Reading maps every
failure (missing, empty, truncated, not a zip, pickled content) to one error
that names the file, instead of a traceback from zipfile or numpy.
"""
import io
import json
import os
import zipfile
import zlib

import numpy as np

from jmedseg.utils.files import atomic_write_bytes
from jmedseg.errors import JmedsegError

META_KEY = "meta.json"
ARRAY_REF = "__array__"
PICKLE_MAGIC = b"\x80"          # protocol 2+ pickles start with the PROTO opcode
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip


class ArchiveError(JmedsegError, ValueError):
    """A file that is missing or cannot be read as a pickle-free jmedseg archive."""


def encode_tree(tree):
    """`(json-able structure, {name: array})`: every numpy array replaced by a named reference."""
    arrays = {}

    def walk(obj, where):
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise TypeError(f"{where or 'value'}: arrays of Python objects cannot be stored")
            name = where or "array"
            while name in arrays or name == META_KEY:
                name += "+"
            arrays[name] = obj
            return {ARRAY_REF: name}
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, dict):
            if not all(isinstance(k, str) for k in obj):
                raise TypeError(f"{where or 'value'}: only string keys can be stored, got {list(obj)[:3]}")
            if ARRAY_REF in obj:
                raise TypeError(f"{where}: the key {ARRAY_REF!r} is reserved")
            return {k: walk(v, f"{where}/{k}" if where else k) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [walk(v, f"{where}/{i}" if where else str(i)) for i, v in enumerate(obj)]
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        raise TypeError(f"{where or 'value'}: cannot store a {type(obj).__name__} (arrays, numbers, strings, "
                        "lists and dicts only)")

    return walk(tree, ""), arrays


def decode_tree(doc, arrays):
    """Inverse of `encode_tree` (tuples come back as lists)."""
    if isinstance(doc, dict):
        if set(doc) == {ARRAY_REF}:
            return arrays[doc[ARRAY_REF]]
        return {k: decode_tree(v, arrays) for k, v in doc.items()}
    if isinstance(doc, list):
        return [decode_tree(v, arrays) for v in doc]
    return doc


def archive_bytes(arrays, meta, compress=False):
    """An `.npz` holding `arrays` and the JSON document `meta`."""
    members = {name: np.asarray(a) for name, a in arrays.items()}
    # NaN and +-inf (e.g. a best score not yet set) are kept: Python's json reads them back
    members[META_KEY] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **members)
    return buf.getvalue()


def save_tree(path, tree, compress=False):
    """Write a nested structure of arrays and plain values to `path` (atomically)."""
    doc, arrays = encode_tree(tree)
    atomic_write_bytes(path, archive_bytes(arrays, doc, compress))


def read_archive(path, what="file", hint="", error=ArchiveError):
    """`(meta, {name: array})` of an archive; any failure raises `error` with one line naming `path`.

    `what` names the kind of file in the message ("checkpoint", "model file"),
    `hint` tells the user what to do instead.
    """
    path = os.fspath(path)
    tail = f"; {hint}" if hint else ""
    if not os.path.isfile(path):
        raise error(f"{what} not found: {path}")
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise error(f"{path} is empty (0 bytes): not a jmedseg {what}; was its writing interrupted?{tail}")
    if head[:1] == PICKLE_MAGIC:
        raise error(f"{path} is a Python pickle, which can run code when loaded, and jmedseg does not load "
                    f"pickles{tail}")
    if head not in ZIP_MAGIC:
        raise error(f"{path} is not a jmedseg {what} (not an .npz archive){tail}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise error(f"{path} holds pickled Python objects, which jmedseg never loads (they can run "
                        f"code){tail}") from None
        raise error(f"{path} is a damaged jmedseg {what} ({err}){tail}") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        reason = f"{type(err).__name__}: {err}"
        raise error(f"{path} is a damaged or truncated jmedseg {what} ({reason}){tail}") from None
    raw = arrays.pop(META_KEY, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise error(f"{path} is not a jmedseg {what} (no {META_KEY}){tail}")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise error(f"{path} is a damaged jmedseg {what} (its {META_KEY} does not parse: {err}){tail}") from None
    if not isinstance(meta, dict):
        raise error(f"{path} is not a jmedseg {what} ({META_KEY} is not a JSON object){tail}")
    return meta, arrays


def load_tree(path, what="file", hint="", error=ArchiveError):
    """The nested structure `save_tree` wrote."""
    meta, arrays = read_archive(path, what, hint, error)
    try:
        return decode_tree(meta, arrays)
    except KeyError as err:
        raise error(f"{path} is a damaged jmedseg {what} (array {err} is missing)") from None
