"""The file names of one subject inside a results folder (`jmedseg measure --out DIR`), made from its checked id.

Here, below the layers that write them (calibration's figure, the pipelines' table and
histograms), so each of those takes the names from one place (docs/layout.md).
"""
import os

from jmedseg.data.ids import check_id


def subject_files(subject_id):
    """The files of one subject inside an output folder, relative to it: {row key: path}.

    The one place these names are made: a path is always rebuilt from the (checked) id,
    never taken from a result file, so a doctored file cannot point a copy outside the folder.
    """
    sid = check_id(subject_id)
    return {"histogram": os.path.join("histograms", sid + ".npz"), "figure": os.path.join("figures", sid + ".png"),
            "qc_figure": os.path.join("figures", sid + "_qc.png"),
            "calibration_figure": os.path.join("figures", sid + "_calibration.png")}
