"""The report's HTML from rows built by hand: escaping, the CSV's numbers, dashes, pictures, refusals, the index.

No measurement here (tests/report/test_report_measure.py measures real CT): each row is
written as `jmedseg measure` stores it, so every expectation is known by construction.
"""
import base64
import html
import math
import os
import re
import struct
import zlib
from html.parser import HTMLParser

import pytest

from jmedseg.errors import InputError
from jmedseg.report import write_reports
from jmedseg.report.cells import DASH
from jmedseg.report.cohort_index import cohort_index, page_link
from jmedseg.report.subject_page import subject_page

HOSTILE_ID = '<img src=x onerror="alert(1)">&amp;#'
HOSTILE_NOTE = "</td><script>alert('note')</script> L1 <b>cut</b>"
RUN_INFO = {"source": "/data/cohort", "fingerprint": "0123abcd4567ef89",
            "settings": {"levels": {"L1": 31, "L2": 30}, "units": "hu", "version": 3}}


def measured_row(sid="p1", **extra):
    """A row as measure stores it (floats unrounded, empty flags), without calibration or acquisition columns."""
    row = {"subject_id": sid, "age": "61", "sex": "F", "site": "N", "density_hu": 103.87654321,
           "density_mean_of_levels_hu": 104.6, "levels_used": "L1+L2", "l1_jsu_mode_hu": 96.4234,
           "l1_voxels": 923, "l1_volume_ml": 24.921, "l2_jsu_mode_hu": 112.8276, "l2_voxels": 963,
           "l2_volume_ml": 26.001, "l1_flag": "", "l2_flag": "", "note": ""}
    row.update(extra)
    return row


class Cells(HTMLParser):
    """Collects data-key -> data-value of the page's value cells, the text, and every src/href."""

    def __init__(self):
        super().__init__()
        self.values, self.links, self.scripts, self.text = {}, [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-key" in attrs:
            self.values.setdefault(attrs["data-key"], attrs.get("data-value", ""))
        self.links += [attrs[k] for k in ("src", "href") if k in attrs]
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.text.append(data)


def parsed(text):
    cells = Cells()
    cells.feed(text)
    return cells


def test_numbers_are_the_rows_own_values_and_rounded_text():
    row = measured_row()
    page = subject_page(row, "/nonexistent", RUN_INFO)
    cells = parsed(page)
    for key in ("density_hu", "l1_jsu_mode_hu", "l2_jsu_mode_hu", "l1_voxels", "l2_volume_ml"):
        assert float(cells.values[key]) == row[key]     # the unrounded value travels in data-value
    text = " ".join(cells.text)
    assert "103.9" in text and "96.4" in text and "112.8" in text and "26.00" in text
    assert "Research output, not a diagnosis." in text
    assert "Johnson SU" in text and "L1 and L2" in text
    assert "0123abcd4567ef89" in text                     # the settings fingerprint


def test_absent_columns_show_a_dash_and_never_fail():
    page = subject_page(measured_row(), "/nonexistent", RUN_INFO)
    cells = parsed(page)
    assert cells.values["bmd_mgcm3"] == "" and cells.values["kvp"] == "" and cells.values["manufacturer"] == ""
    for key in ("bmd_mgcm3", "kvp", "manufacturer", "acr_category"):
        cell = re.search(rf'data-key="{key}" data-value="">([^<]*)<', page)
        assert cell.group(1) == DASH, key
    assert "densities are in HU only" in page


def test_calibration_and_acquisition_columns_are_shown_when_present():
    row = measured_row(l1_bmd_mgcm3=101.25, l2_bmd_mgcm3=118.75, bmd_mgcm3=110.0, calibration_slope=0.8123,
                       calibration_intercept=-3.5, calibration_flag="", acr_category="low bone mass",
                       l1_hu_category="osteoporosis likely (<=110 HU)", contrast_phase="native", kvp="120",
                       manufacturer="SIEMENS", model="SOMATOM Force", study_date="20261103")
    cells = parsed(subject_page(row, "/nonexistent", RUN_INFO))
    text = " ".join(cells.text)
    for key in ("l1_bmd_mgcm3", "bmd_mgcm3", "calibration_slope"):
        assert float(cells.values[key]) == row[key]
    assert "110.0" in text and "0.8123" in text and "low bone mass" in text and "SOMATOM Force" in text
    assert "20261103" in text                             # a DICOM date is text, not the number 20261103.0
    assert "mg/cm\u00b3" in text and "phantomless" in text


def test_hostile_id_and_note_are_escaped_everywhere(tmp_path):
    row = measured_row(HOSTILE_ID, note=HOSTILE_NOTE, manufacturer='"><script>alert(2)</script>')
    page = subject_page(row, str(tmp_path), RUN_INFO)
    index = cohort_index([row])
    for text in (page, index):
        assert "<script>alert" not in text and "<img src=x" not in text
        assert html.escape(HOSTILE_NOTE) in text
    cells = parsed(page)
    assert cells.scripts == 0                            # a person's page runs no script at all
    assert "script-src 'none'" in page
    assert HOSTILE_NOTE in " ".join(cells.text)          # shown to the reader as written
    links = parsed(index).links
    assert links == [page_link(HOSTILE_ID)]
    assert "<" not in links[0] and '"' not in links[0] and "#" not in links[0]


def test_write_reports_refuses_an_id_that_cannot_name_a_file(tmp_path):
    with pytest.raises(InputError, match="cannot name a file"):
        write_reports(str(tmp_path), [measured_row("../escape")], RUN_INFO, cohort=False)
    assert os.listdir(tmp_path) == []


def _png(path, grey):
    """A 1 x 1 grey PNG written by hand (signature, IHDR, IDAT, IEND): a real PNG without a plotting library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes([0, grey])))
                     + chunk(b"IEND", b""))


def test_pictures_are_inline_and_only_from_the_figures_folder(tmp_path):
    (tmp_path / "figures").mkdir()
    _png(tmp_path / "figures" / "p1_qc.png", 200)
    _png(tmp_path / "outside.png", 0)
    (tmp_path / "figures" / "fake.png").write_bytes(b"not a png")
    row = measured_row(qc_figure="figures/p1_qc.png", calibration_figure="../outside.png",
                       extra_figure="figures/fake.png", figure="figures/absent.png")
    page = subject_page(row, str(tmp_path), RUN_INFO)
    sources = [s for s in parsed(page).links if s.startswith("data:")]
    assert len(sources) == 1
    assert base64.b64decode(sources[0].split(",", 1)[1]) == (tmp_path / "figures" / "p1_qc.png").read_bytes()
    assert not any(s.startswith(("http:", "https:", "file:", "/")) for s in parsed(page).links)
    assert "default-src 'none'" in page


def test_a_refused_ct_gets_a_page_that_says_why():
    note = "no density: 40 % of the voxels of the cancellous bone of L1 read below -200 HU (air)"
    row = {"subject_id": "bad", "density_hu": math.nan, "levels_used": "", "l1_flag": "implausible",
           "l2_flag": "missing", "note": note}
    page = subject_page(row, "/nonexistent", RUN_INFO)
    text = " ".join(parsed(page).text)
    assert "No density for this CT." in text and note in text
    assert "implausible" in text and "missing" in text
    assert 'class="card"' not in page                    # no headline number for a refused CT


def test_index_rows_flags_links_and_sorting_script():
    rows = [measured_row("a", l2_flags="uncertain_level"),
            measured_row("b", density_hu=math.nan, levels_used="", l1_flag="incomplete",
                         note="no density: L1 touches the first slice")]
    index = cohort_index(rows)
    cells = parsed(index)
    assert cells.links == ["reports/a.html", "reports/b.html"]
    assert cells.scripts == 1 and "th[data-sort]" in index
    assert index.count('class="no-density"') == 1
    assert "l1: incomplete" in " ".join(cells.text)
    assert "l2: uncertain_level" in " ".join(cells.text)    # the CT-alone labeller's doubt about a name
    assert "2 subjects" in " ".join(cells.text) and "1 with a density, 1 without" in " ".join(cells.text)
