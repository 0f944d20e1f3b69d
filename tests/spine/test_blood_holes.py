"""A hole that holds blood is not a vertebral body's interior (jmedseg.spine.column._filled_slice).

One axial slice drawn at the working grid's 3 mm pixels: an osteoporotic body (a 400 HU cortex one pixel
thick round an 80 HU interior, below the 120 HU bone threshold, so only hole filling puts it in the body)
and, touching it, an aneurysmal aorta (a 350 HU lumen inside a 40 HU sac, ringed by a calcified 150 HU
wall), the bundled chest CTA's case. The body's interior is enclosed by its own cortex and must be filled;
the sac, enclosed by the wall and the lumen, must not, unless nothing says where the blood is.
"""
import numpy as np

from jmedseg.spine.column import SHELL_GAP_MM, SOFT_TISSUE_MAX_HU, _filled_slice

SP = (3.0, 3.0, 2.0)


def _slice():
    x, y = np.mgrid[:48, :40]
    body_r = np.hypot(x - 14, y - 20)
    aorta_r = np.hypot(x - 30, y - 20)
    hu = np.full(x.shape, 30.0)                       # muscle and fat between organs
    hu[body_r <= 7] = 80.0                            # osteoporotic cancellous bone
    hu[(body_r > 6) & (body_r <= 7)] = 400.0          # cortex
    hu[aorta_r <= 9] = 40.0                           # aneurysm sac (thrombus)
    hu[(aorta_r > 8) & (aorta_r <= 9)] = 150.0        # calcified wall
    hu[aorta_r <= 4] = 350.0                          # contrast-filled lumen
    interior, sac, lumen = body_r <= 5, (aorta_r > 5) & (aorta_r <= 7), aorta_r <= 4
    return hu, interior, sac, lumen


def test_the_body_interior_is_filled_and_the_aortic_sac_is_not():
    hu, interior, sac, lumen = _slice()
    filled = _filled_slice(hu > SOFT_TISSUE_MAX_HU, SHELL_GAP_MM, SP, lumen)
    assert filled[interior].all()            # enclosed by its own cortex: body
    assert not filled[sac].any()             # enclosed by blood and a wall: not bone
    assert not filled[lumen].any()


def test_without_the_lumen_the_sac_would_be_filled():
    """The old behaviour, kept as the contrast that makes the test above able to fail."""
    hu, interior, sac, lumen = _slice()
    filled = _filled_slice(hu > SOFT_TISSUE_MAX_HU, SHELL_GAP_MM, SP)
    assert filled[interior].all() and filled[sac].all()
