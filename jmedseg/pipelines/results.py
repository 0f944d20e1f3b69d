"""The output folder of `jmedseg measure`: one result per subject, written the moment it is measured.

    OUT/run.json              what was measured (source) and with which settings (and their fingerprint)
    OUT/subjects/<id>.json    a subject's row (densities, flags, note), its cohort index and the fingerprint;
                              written last, atomically: it exists only once the subject is complete
    OUT/histograms/<id>.npz   its pooled cancellous HU histogram (for `jmedseg trend`'s group statistics)
    OUT/figures/<id>.png      its histogram with the Johnson SU fit (paper Figure 6)
    OUT/densities.csv         the table, assembled from subjects/*.json

Every file goes through a temporary file and a rename, so a run killed at any
moment leaves each subject either complete or absent, and a rerun measures only
the absent ones. Two runs never mix their files: a folder written for another
source or with other settings is refused, and a lock (`OUT/.lock`, shared by the
shards of one run, exclusive for an unsharded run; one more per shard) stops two
runs from writing the same subjects at once.
"""
import csv
import errno
import fcntl
import glob
import io
import json
import logging
import math
import os

from jmedseg.data.ids import check_id
from jmedseg.data.result_files import subject_files
from jmedseg.errors import JmedsegError
from jmedseg.utils.files import atomic_write_bytes, writing

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
TABLE = "densities.csv"
FIRST_COLUMNS = ["subject_id", "age", "sex", "site", "density_hu", "density_mean_of_levels_hu", "true_density_hu",
                 "levels_used"]
LAST_COLUMNS = ["histogram", "figure", "note"]
RESULT_KEYS = ("subject_id", "index", "fingerprint", "row")   # what subjects/<id>.json must hold


class OutputFolderError(JmedsegError, ValueError):
    """The output folder belongs to another run, another run is writing into it, or its files are damaged."""


def _strict(value):
    """JSON has no NaN: an undefined number is stored as null (and read back as NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _strict(value.item())
    return value


class ResultsFolder:
    """One `--out` folder of `jmedseg measure` (layout in the module docstring)."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self._locks = []

    def _at(self, *parts):
        return os.path.join(self.path, *parts)

    def subject_file(self, subject_id):
        return self._at("subjects", check_id(subject_id) + ".json")

    # -- claiming the folder -------------------------------------------------------------------------------
    def claim(self, source, settings, redo=False, shard=None):
        """Check that this folder is ours (same source and settings) and lock it for this run.

        `shard` (i, n) takes the shared folder lock and an exclusive lock of that shard;
        None takes the folder lock exclusively. `redo` accepts a folder of other settings
        (its subjects are measured again). Raises OutputFolderError naming the fix.
        """
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise OutputFolderError(f"--out {self.path} is a file, not a folder; give a folder for the results "
                                    "(a new one, or one an earlier `jmedseg measure` wrote)")
        with writing(self.path):
            os.makedirs(self.path, exist_ok=True)
        run = {"tool": "jmedseg measure", "source": os.path.abspath(source), "settings": settings.as_dict(),
               "fingerprint": settings.fingerprint()}
        self._lock(".lock", exclusive=shard is None)
        if shard is not None:
            self._lock(f".lock-shard-{shard[0]}-of-{shard[1]}", exclusive=True)
        old = self.run_info()
        if old is None:
            foreign = [n for n in os.listdir(self.path) if not n.startswith(".")]
            if foreign:
                self.release()
                raise OutputFolderError(f"{self.path} is not empty ({', '.join(sorted(foreign)[:5])}) and was not "
                                        "written by `jmedseg measure`; choose a new or empty --out folder")
        elif old["source"] != run["source"]:
            self.release()
            raise OutputFolderError(f"{self.path} holds results measured from {old['source']}, not {run['source']}; "
                                    "choose another --out folder (one folder per cohort or CT)")
        elif old["fingerprint"] != run["fingerprint"] and not redo:
            self.release()
            raise OutputFolderError(f"{self.path} holds results measured with other settings "
                                    f"({describe_difference(old['settings'], run['settings'])}); choose another "
                                    "--out folder, or pass --redo to measure every subject again with these")
        if old != run:
            atomic_write_bytes(self._at(RUN_FILE), (json.dumps(run, indent=2, sort_keys=True) + "\n").encode())
        if shard is None:
            self._remove_stale_temp_files()
        return run

    def _lock(self, name, exclusive):
        with writing(self._at(name)):
            handle = open(self._at(name), "a")
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError as err:
            handle.close()
            if err.errno in (errno.EAGAIN, errno.EACCES):
                self.release()
                raise OutputFolderError(f"another `jmedseg measure` is writing into {self.path} (its {name} is "
                                        "locked); wait for it to finish or choose another --out folder") from None
            logger.warning("cannot lock %s (%s): this file system has no locks; make sure no other run writes "
                           "into this folder", self._at(name), err)
            return
        self._locks.append(handle)

    def release(self):
        for handle in self._locks:
            handle.close()  # closing the file drops its lock
        self._locks = []

    def _remove_stale_temp_files(self):
        """Temp files of a killed run (only while holding the folder exclusively: no one else is writing)."""
        for tmp in glob.glob(self._at("**", ".tmp-*"), recursive=True):
            os.unlink(tmp)

    def note_refusal(self, subject_id, error):
        """Record in run.json why a single CT got no density, with its contrast phase (issue 22 section 2)."""
        run = self.run_info() or {}
        row = getattr(error, "row", {})
        run.setdefault("refused", {})[subject_id] = {
            "reason": str(error), **{k: row[k] for k in ("contrast_phase", "contrast_evidence") if k in row}}
        atomic_write_bytes(self._at(RUN_FILE), (json.dumps(run, indent=2, sort_keys=True) + "\n").encode())

    def run_info(self):
        try:
            with open(self._at(RUN_FILE)) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise OutputFolderError(f"cannot read {self._at(RUN_FILE)} ({err}); choose a new --out folder") from None

    # -- subjects ------------------------------------------------------------------------------------------
    def done(self, subject_id, fingerprint):
        """The stored result of `subject_id` when it was measured with `fingerprint`, else None."""
        try:
            result = self.load(subject_id)
        except (FileNotFoundError, ValueError):
            return None
        return result if result["fingerprint"] == fingerprint else None

    def load(self, subject_id):
        return self._read_result(self.subject_file(subject_id))

    def _read_result(self, path):
        """A subjects/<id>.json, checked: its keys, its id (which must name this very file) and its paths.

        The histogram / figure paths of its row are rebuilt from the id (`subject_files`):
        whatever the file says, only this folder's own files are ever read or copied.
        """
        fix = f"delete {path} and run the same `jmedseg measure` command again to measure that subject anew"
        try:
            with open(path) as f:
                result = json.load(f)
        except ValueError as err:
            raise OutputFolderError(f"{path} is not a readable result ({err}); {fix}") from None
        missing = [k for k in RESULT_KEYS if not isinstance(result, dict) or k not in result]
        if missing:
            raise OutputFolderError(f"{path} lacks {', '.join(missing)}: not a complete subject result; {fix}")
        sid = str(result["subject_id"])
        if not isinstance(result["row"], dict) or sid + ".json" != os.path.basename(path):
            raise OutputFolderError(f"{path} holds subject {sid!r}, not the subject its name says; {fix}")
        check_id(sid, f"subject id in {path}")
        for key, rel in subject_files(sid).items():
            if result["row"].get(key):
                result["row"][key] = rel
        return result

    def save(self, index, row, fingerprint, person=None, figures=False, title="", metadata=None):
        """Store one subject: histogram and figure first, then its row (which marks it done).

        `metadata`: the row's keys that came from cohort.csv (not measured), kept with it.
        """
        from jmedseg.density.measure import plot_person

        sid = row["subject_id"]
        files = subject_files(sid)
        row = dict(row)
        if person is not None:
            row["histogram"] = files["histogram"]
            atomic_write_bytes(self._at(row["histogram"]), person.histogram.to_npz_bytes())
            if figures:
                row["figure"] = files["figure"]
                plot_person(person.histogram, person.fit, self._at(row["figure"]), title)
        result = {"subject_id": sid, "index": index, "fingerprint": fingerprint,
                  "row": {k: _strict(v) for k, v in row.items()}}
        if metadata is not None:
            result["metadata"] = list(metadata)
        atomic_write_bytes(self.subject_file(sid), (json.dumps(result, allow_nan=False) + "\n").encode())
        return result

    def results(self):
        """Every stored subject result, in cohort order."""
        out = [self._read_result(path) for path in glob.glob(self._at("subjects", "*.json"))]
        return sorted(out, key=lambda r: (r["index"], r["subject_id"]))

    def write_table(self, results, paper_units=False):
        """densities.csv from stored results; returns its path."""
        path = self._at(TABLE)
        atomic_write_bytes(path, table_text(results, paper_units).encode())
        return path


def table_rows(results, paper_units=False):
    from jmedseg.density.measure import with_paper_units

    rows = [{k: (math.nan if v is None else v) for k, v in r["row"].items()} for r in results]
    return [with_paper_units(r) for r in rows] if paper_units else rows


def columns(rows):
    seen = {}
    for r in rows:
        seen.update(dict.fromkeys(r))
    first = [c for c in FIRST_COLUMNS if c in seen]
    last = [c for c in LAST_COLUMNS if c in seen]
    return first + [c for c in seen if c not in first and c not in last] + last


def table_text(results, paper_units=False):
    rows = table_rows(results, paper_units)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns(rows), extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
    return buf.getvalue()


def describe_difference(old, new):
    """'units: raw -> hu, ...' for two settings dicts."""
    keys = sorted(set(old) | set(new))
    diff = [f"{k}: {old.get(k)!r} here, {new.get(k)!r} now" for k in keys if old.get(k) != new.get(k)]
    return "; ".join(diff) or "same settings, other version"
