"""Index a DICOM export: one header record per file, read without pixel data, in parallel, resumable.

The tree may have any layout and any file names. With a DICOMDIR at its root the
files it references are indexed (the directory is the export's own list);
otherwise every file under the root is tried, symlinked folders not followed (no
loops). A file that is not DICOM, or holds no image (a dose report, a DICOMDIR),
is skipped and counted; one that looks like DICOM but cannot be parsed is counted
as unreadable.

The index is a JSON-lines file (one record per file, appended as chunks finish):
rerun on the same export, files already indexed with the same size and
modification time are not read again, so a killed indexing resumes. It holds
patient names and ids, so it lives in the cohort's private/ folder.
"""
import functools
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger(__name__)

# What series choice, the subject table and the geometry checks read; nothing else is parsed.
TAGS = ("SOPClassUID", "Modality", "StudyInstanceUID", "SeriesInstanceUID", "SeriesNumber", "SeriesDescription",
        "ImageType", "ConvolutionKernel", "SliceThickness", "ImageOrientationPatient", "ImagePositionPatient",
        "PixelSpacing", "Rows", "Columns", "GantryDetectorTilt", "PatientID", "PatientName", "PatientBirthDate",
        "PatientAge", "PatientSex", "StudyDate", "InstitutionName", "KVP", "Manufacturer", "ManufacturerModelName",
        "ContrastBolusAgent", "AccessionNumber", "DirectoryRecordSequence")
CHUNK_FILES = 256    # per task: large enough to amortise process hand-off, small enough to resume finely


def _plain(value):
    """A JSON-able copy of a pydicom value (MultiValue -> list, DSfloat -> float, PersonName/UID -> str)."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [_plain(v) for v in value]
    if isinstance(value, (int, float)):
        return float(value) if isinstance(value, float) else int(value)
    return str(value)


def read_record(path):
    """The index record of one file: {'path', 'size', 'mtime', 'status', **tags}; status image/other/unreadable."""
    import pydicom

    from jmedseg.data.io.dicom import looks_like_dicom

    stat = os.stat(path)
    record = {"path": path, "size": stat.st_size, "mtime": stat.st_mtime_ns}
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=_tag_numbers())
    except pydicom.errors.InvalidDicomError:
        return {**record, "status": "unreadable" if looks_like_dicom(path) else "not_dicom"}
    except Exception:  # a cut-off file: EOFError, OSError, struct.error, ...
        return {**record, "status": "unreadable"}
    if "Rows" not in ds:
        known = "SOPClassUID" in ds or "DirectoryRecordSequence" in ds
        return {**record, "status": "other" if known else "unreadable", "Modality": str(ds.get("Modality", ""))}
    record["status"] = "image"
    for elem in ds:   # one pass over the few elements read (looking each keyword up costs more than the read)
        if elem.keyword in TAGS and elem.value not in (None, ""):
            record[elem.keyword] = _plain(elem.value)
    record["TransferSyntaxUID"] = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    return record


@functools.lru_cache(maxsize=1)
def _tag_numbers():
    """TAGS as tag numbers: pydicom converts keywords on every call otherwise."""
    from pydicom.datadict import tag_for_keyword

    return [tag_for_keyword(k) for k in TAGS]


def _read_chunk(paths):
    return [read_record(p) for p in paths]


def export_files(root):
    """The files of the export: those a root DICOMDIR references, else every file (symlinked folders not followed)."""
    dicomdir = os.path.join(root, "DICOMDIR")
    if os.path.isfile(dicomdir):
        import pydicom

        ds = pydicom.dcmread(dicomdir)
        files = sorted({os.path.join(root, *([r.ReferencedFileID] if isinstance(r.ReferencedFileID, str)
                                              else list(r.ReferencedFileID)))
                        for r in ds.DirectoryRecordSequence if "ReferencedFileID" in r})
        logger.info("%s: %d file(s) referenced by the DICOMDIR", root, len(files))
        return files
    out = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        out += [os.path.join(folder, n) for n in sorted(names) if os.path.isfile(os.path.join(folder, n))]
    return out


def load_index(path):
    """{path: record} of an index file; a line cut off by a killed run is ignored."""
    records = {}
    if not os.path.isfile(path):
        return records
    with open(path) as f:
        for line in f:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            records[record["path"]] = record
    return records


def _end_cut_line(path):
    """A run killed mid-line leaves no newline: end that line, or the next record would be glued to it."""
    if os.path.isfile(path) and os.path.getsize(path):
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")


def index_export(root, index_path, workers=2, progress=False):
    """{path: record} of every file of the export at `root`, reading only what `index_path` does not hold yet."""
    from tqdm import tqdm

    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no export folder {root}")
    known = load_index(index_path)
    files = export_files(root)
    todo = []
    for p in files:
        old = known.get(p)
        stat = os.stat(p)
        if not old or old["size"] != stat.st_size or old["mtime"] != stat.st_mtime_ns:
            todo.append(p)
    logger.info("%s: %d file(s), %d already indexed", root, len(files), len(files) - len(todo))
    chunks = [todo[i:i + CHUNK_FILES] for i in range(0, len(todo), CHUNK_FILES)]
    os.makedirs(os.path.dirname(index_path), exist_ok=True)
    _end_cut_line(index_path)
    with open(index_path, "a") as out, tqdm(total=len(todo), desc="index", unit="file", disable=not progress) as bar:
        def store(records):   # appended as each chunk finishes: a killed run keeps what it read
            out.writelines(json.dumps(r) + "\n" for r in records)
            out.flush()
            known.update((r["path"], r) for r in records)
            bar.update(len(records))

        if workers <= 1 or len(chunks) <= 1:
            for chunk in chunks:
                store(_read_chunk(chunk))
        else:
            with ProcessPoolExecutor(workers) as pool:
                for records in pool.map(_read_chunk, chunks):
                    store(records)
    present = set(files)
    return {p: r for p, r in known.items() if p in present}
