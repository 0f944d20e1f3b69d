"""The pictures of a stored subject, as data: URIs a page can carry inside itself.

A picture is named by the subject's stored row (`qc_figure`, `figure`, and any other
`*_figure` column a later step adds, such as the calibration tissues' outlines). The row
is a file a user may have received, so a named path is used only when it stays inside
OUT/figures/ and the file is a PNG: a page never carries any other file of the machine.
"""
import base64
import os

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGURES = "figures"
# Known pictures first, in reading order; other `*_figure` columns follow.
CAPTIONS = {
    "qc_figure": "Quality control: the vertebrae named on a sagittal and a coronal reformat, the measured cancellous "
                 "regions outlined in green, and the pooled histogram with its Johnson SU fit.",
    "figure": "Histogram of the pooled cancellous pixels with the fitted Johnson SU distribution; the dashed line "
              "is its mode, the reported density (paper Figure 6).",
    "calibration_figure": "Internal calibration: where the reference tissues (air, fat, muscle, blood or the "
                          "aorta and vena cava) were measured, outlined on an axial slice, with their median HU.",
}


def figure_columns(row):
    """Columns of `row` naming a picture: the known ones first, then any other `*_figure`."""
    named = [k for k in CAPTIONS if row.get(k)]
    return named + [k for k in row if k.endswith("_figure") and k not in CAPTIONS and row.get(k)]


def inside_figures(out_dir, relative):
    """Absolute path of `relative` when it is a .png inside out_dir/figures/ (links resolved), else None."""
    folder = os.path.realpath(os.path.join(out_dir, FIGURES))
    path = os.path.realpath(os.path.join(out_dir, str(relative)))
    if not path.endswith(".png") or os.path.commonpath([folder, path]) != folder:
        return None
    return path


def png_data_uri(path):
    """data:image/png;base64,... of a PNG file, or None when the file is absent or not a PNG."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data.startswith(PNG_SIGNATURE):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def pictures(out_dir, row):
    """[(column, data URI or None, caption)] of the row's pictures; None: named but absent or refused."""
    out = []
    for key in figure_columns(row):
        path = inside_figures(out_dir, row[key])
        caption = CAPTIONS.get(key, key.replace("_", " "))
        out.append((key, png_data_uri(path) if path else None, caption))
    return out
