"""`jmedseg measure --report` end to end on the bundled real CT and a phantom cohort, pages read in a real browser.

The browser is Debian's chromium, headless and without network: it renders the page to a
screenshot (non-blank, of the asked size) and dumps the DOM it built, whose text must hold
the subject's numbers from densities.csv. Skipped, with the reason, only where chromium is
not installed (scripts/setup.sh installs it).
"""
import base64
import csv
import html
import math
import os
import shutil
import subprocess
from urllib.parse import unquote

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main
from tests.conftest import DATA
from tests.density.test_density_measure import write_cohort

EXAMPLE = os.path.join(DATA, "totalseg_example")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install "
                                                              "chromium; scripts/setup.sh does it)")
WINDOW = (1200, 1600)
HOSTILE_ID = "x<b>&'q"
HEADER_BLUE = (31, 95, 153)   # the page header's colour (templates.STYLE --accent)


def _rows(path):
    with open(path, newline="") as f:
        return {r["subject_id"]: r for r in csv.DictReader(f)}


def _browser(*args, timeout=120):
    """Run headless chromium with no network and a throw-away profile; returns its stdout."""
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--hide-scrollbars",
                               *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def example_out(tmp_path_factory):
    """The bundled real CT (TotalSegmentator's example, its vertebra mask) measured with --report."""
    out = tmp_path_factory.mktemp("example") / "out"
    assert main(["measure", "--ct", os.path.join(EXAMPLE, "example_ct.nii.gz"), "--mask",
                 os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), "--report", "--out", str(out)]) == 0
    return out


def test_real_ct_page_holds_the_csv_numbers(example_out):
    row = _rows(example_out / "densities.csv")["example_ct"]
    page = (example_out / "reports" / "example_ct.html").read_text()
    for key in ("density_hu", "l1_jsu_mode_hu", "l2_jsu_mode_hu", "l1_voxels", "l2_voxels"):
        # the stored float, written by the same str() into the CSV and into data-value
        assert f'data-key="{key}" data-value="{row[key]}"' in page, key
    for key in ("bmd_mgcm3", "l1_bmd_mgcm3", "l2_bmd_mgcm3", "calibration_slope", "contrast_phase"):
        if row.get(key):                                  # the calibration's columns, when it ran
            assert f'data-key="{key}" data-value="{html.escape(row[key], quote=True)}"' in page, key
    qc = base64.b64encode((example_out / "figures" / "example_ct_qc.png").read_bytes()).decode()
    assert qc in page                                     # the QC picture, byte for byte
    # the QC picture holds the histogram panel, so the histogram figure is left out; the calibration's own
    # picture (its reference tissues outlined) comes with it when the calibration drew one
    assert page.count("data:image/png;base64,") == 1 + bool(row.get("calibration_figure"))
    assert row.get("calibration_figure") and (example_out / row["calibration_figure"]).is_file()


@needs_chromium
def test_real_ct_page_in_a_headless_browser(example_out):
    from PIL import Image

    row = _rows(example_out / "densities.csv")["example_ct"]
    page = (example_out / "reports" / "example_ct.html").as_uri()
    shot = example_out / "shot.png"
    _browser(f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", page)
    image = np.asarray(Image.open(shot).convert("RGB"), np.int16)
    assert image.shape == (WINDOW[1], WINDOW[0], 3)
    assert image.std() > 20                               # text, tables and the CT picture, not a blank page
    assert np.abs(image[10, WINDOW[0] // 2] - HEADER_BLUE).max() <= 3   # the style sheet was applied
    dom = _browser("--dump-dom", page)
    for key in ("density_hu", "l1_jsu_mode_hu", "l2_jsu_mode_hu"):
        assert f"{float(row[key]):.1f}" in dom, key
    assert "Research output, not a diagnosis." in dom


def test_refused_real_ct_gets_a_page_with_the_reason(tmp_path):
    """The example's mask without L1 and L2: exit 2 as before, and a page saying why, with the QC picture."""
    mask = nib.load(os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"))
    labels = np.asarray(mask.dataobj)
    labels = np.where(np.isin(labels, [30, 31]), 0, labels).astype(labels.dtype)
    nib.save(nib.Nifti1Image(labels, mask.affine), str(tmp_path / "no_l1_l2.nii.gz"))
    out = tmp_path / "out"
    assert main(["measure", "--ct", os.path.join(EXAMPLE, "example_ct.nii.gz"), "--mask",
                 str(tmp_path / "no_l1_l2.nii.gz"), "--report", "--out", str(out)]) == 2
    page = (out / "reports" / "example_ct.html").read_text()
    assert "No density for this CT." in page
    assert "vertebra L1 (label 31), L2 (label 30) is not in the mask" in page
    assert page.count("data:image/png;base64,") == 1     # where the mask lay: the picture shows the labels present


def _write_hostile_cohort(folder):
    """Seven box phantoms (three women at N on a known line, three men at S) plus one without L1/L2."""
    people = [("f40", 40, "F", "N", 190.0), ("f55", 55, "F", "N", 150.0), ("f70", 70, "F", "N", 140.0),
              ("m45", 45, "M", "S", 170.0), ("m60", 60, "M", "S", 160.0), (HOSTILE_ID, 75, "M", "S", 110.0),
              ("refused", 50, "F", "N", 150.0)]
    write_cohort(folder, people)
    mask = nib.load(str(folder / "refused" / "vertebrae.nii.gz"))
    nib.save(nib.Nifti1Image(np.zeros(mask.shape, np.uint8), mask.affine), str(folder / "refused" / "vertebrae.nii.gz"))


@pytest.fixture(scope="module")
def cohort_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort")
    _write_hostile_cohort(root / "cohort")
    out = root / "out"
    assert main(["measure", "--cohort", str(root / "cohort"), "--out", str(out), "--report", "--workers", "1",
                 "--no-figures"]) == 1   # pictures: the real-CT tests above
    return out


def test_cohort_index_links_every_page_and_tints_the_refused(cohort_out):
    rows = _rows(cohort_out / "densities.csv")
    index = (cohort_out / "index.html").read_text()
    links = [unquote(h) for h in __import__("re").findall(r'href="([^"]+)"', index)]
    assert links == [f"reports/{sid}.html" for sid in rows]
    assert all((cohort_out / link).is_file() for link in links)
    assert index.count('class="no-density"') == 1
    assert "x&lt;b&gt;&amp;&#x27;q" in index and "<b>&" not in index
    refused = (cohort_out / "reports" / "refused.html").read_text()
    assert "No density for this CT." in refused and "is not in the mask" in refused


def test_cohort_z_scores_are_the_residuals_of_the_sex_site_line(cohort_out):
    """z = (density - line) / residual SD (n - 2 degrees of freedom), computed here from the CSV by hand."""
    rows = _rows(cohort_out / "densities.csv")
    women = [rows[s] for s in ("f40", "f55", "f70")]
    ages = np.array([float(r["age"]) for r in women])
    dens = np.array([float(r["density_hu"]) for r in women])
    slope, intercept = np.polyfit(ages, dens, 1)
    resid = dens - (intercept + slope * ages)
    z = resid / math.sqrt((resid**2).sum() / (len(ages) - 2))
    index = (cohort_out / "index.html").read_text()
    for r, want in zip(women, z):
        page = (cohort_out / "reports" / f"{r['subject_id']}.html").read_text()
        # 2 decimals shown; both fits are least squares on the same 3 points, so they agree far below 0.005
        assert f"z = <b>{want:+.2f}</b>" in page
        assert "fewer than 10" in page                    # 3 people: the caveat is on the page
        assert f"{want:+.2f}</td>" in index
    assert "not in the age analysis" in (cohort_out / "reports" / "refused.html").read_text()


def test_merge_report_writes_the_pages_into_the_merged_folder(cohort_out, tmp_path):
    merged = tmp_path / "merged"
    assert main(["merge", str(cohort_out), "--out", str(merged), "--report"]) == 1   # one subject has no density
    rows = _rows(merged / "densities.csv")
    index = (merged / "index.html").read_text()
    assert index.count("<tr") == len(rows) + 1 == 8      # the head and one row per subject
    for sid, row in rows.items():
        page = (merged / "reports" / f"{sid}.html").read_text()
        if row["density_hu"]:
            assert f'data-key="density_hu" data-value="{row["density_hu"]}"' in page


@needs_chromium
def test_cohort_index_sorts_in_a_browser(cohort_out, tmp_path):
    """Click the density column head twice (the page's own script sorts); the DOM's row order follows the CSV."""
    rows = _rows(cohort_out / "densities.csv")
    index = (cohort_out / "index.html").read_text()
    click = ('<script>var th = Array.from(document.querySelectorAll("th")).find(function (h) '
             '{ return h.textContent.indexOf("density") === 0; }); th.click(); th.click();</script></body>')
    probe = cohort_out / "index_clicked.html"                  # next to index.html: its links stay valid
    probe.write_text(index.replace("</body>", click))
    dom = _browser("--dump-dom", probe.as_uri())
    order = [sid for sid in __import__("re").findall(r'<a href="reports/[^"]+">([^<]+)</a>', dom)]
    measured = sorted((r for r in rows.values() if r["density_hu"]), key=lambda r: -float(r["density_hu"]))
    want = [r["subject_id"] for r in measured] + ["refused"]  # descending, the empty density last
    assert [s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for s in order] == want
