"""A vessel joined to the bodies' front over a few slices is cut off the column's body (issue 20, branch `leak12`,
jmedseg.spine.body_outline)."""
import numpy as np

from jmedseg.spine.body_outline import within_outline

from tests.spine.benchmark_ct import label_benchmark_ct

SP = (3.0, 3.0, 5.0)       # the working grid of a 5 mm CT


def _column(depths_px, nz=20):
    """A straight column of rectangular bodies 10 pixels (30 mm) wide, back at y = 40, `depths_px[k]` deep, and its
    centre line."""
    body = np.zeros((200, 120, nz), bool)
    centre = np.zeros((nz, 2))
    for k in range(nz):
        body[95:105, 40:40 + depths_px[k], k] = True
        centre[k] = [99.5, 40 + depths_px[k] / 2 - 0.5]
    return body, centre


def test_vessel_joined_in_front_over_two_slices_is_cut_off():
    body, centre = _column([11] * 20)           # 33 mm deep bodies (upper thoracic)
    leaked = body.copy()
    leaked[90:104, 51:62, 9:11] = True           # a vessel 42 x 33 mm against the front, to the right, in two slices
    leaked[90:95, 40:51, 9:11] = True
    out = within_outline(leaked, centre, SP)
    assert (out[body]).all()                     # every body pixel kept
    # the limits: the back (y 40) plus the bodies' depth (10 pixel spacings, 30 mm) plus the 9 mm (3 pixel) margin;
    # the centre line (x 99.5) less the bodies' reach (4.5 pixels) and the margin
    assert not out[:, 40 + 10 + 3 + 1:, 9:11].any() and out[:, 40 + 10 + 3, 9:11].any()
    assert not out[:99 - 4 - 3, :, 9:11].any() and out[99 - 4 - 3, :, 9:11].any()
    assert out[:, :, 9].sum() == 110 + 12 * 3 + 3 * 11   # the body, what the margins leave of the vessel


def test_bodies_deepening_down_the_column_are_kept_whole():
    body, centre = _column(np.linspace(8, 15, 20).round().astype(int))    # 24 to 45 mm: T1 to lumbar depths
    assert (within_outline(body, centre, SP) == body).all()


def test_enhanced_vessel_against_t3_no_longer_moves_its_label(tmp_path):
    """Seed 97 CT 52 (chest, arterial, 5 mm): "T3" held the vessel in front and lay 22 mm from T3's centre (19 mm
    forward, 9 mm aside). Cut off, it lies within the benchmark's 20 mm identification radius, as do its
    neighbours, and no level is confirmed wrong."""
    case, report, score = label_benchmark_ct(tmp_path, 97, 52, "chest", "arterial")
    assert not score["confirmed_wrong"]
    for name in ("T2", "T3", "T4"):
        assert name in score["identified"], (name, score["identified"])
    t3 = next(e for e in report["levels"] if e["name"] == "T3")
    ahead = t3["centroid_mm"][1] - case.levels["T3"]["centroid_mm"][1]
    assert ahead < 12.0, ahead                   # was 19.4 mm forward; 12 mm: half a 5 mm CT's vessel leak left
