"""The STN wrapper (jmedseg/models/stn.py): identity at initialisation, trainable, inverse mapping."""
import numpy as np
import pytest

from jmedseg.backend import jt, nn
from jmedseg.models.registry import create_model
from jmedseg.models.stn import SpatialTransformer, invert_affine, warp

# UNet and a non-UNet family (SegNet: VGG encoder, unpooling decoder), both tiny.
MODELS = [("unet_small", {"width": 4, "depth": 2}), ("segnet", {"width": 4})]


def _batch(h=64, w=96, n=2, seed=0):  # SegNet needs 64+ pixels a side
    return jt.array(np.random.default_rng(seed).random((n, 1, h, w)).astype(np.float32))


@pytest.mark.parametrize("name,kwargs", MODELS)
def test_wrapped_model_equals_bare_model_at_initialisation(name, kwargs):
    bare = create_model(name, in_channels=1, num_classes=3, **kwargs)
    wrapped = SpatialTransformer(bare)
    bare.eval()
    wrapped.eval()
    x = _batch()  # not square: any size the segmenter accepts
    np.testing.assert_allclose(wrapped(x).numpy(), bare(x).numpy(), atol=1e-5)
    np.testing.assert_allclose(wrapped.encoder_features(x).numpy(), bare.encoder_features(x).numpy(), atol=1e-5)
    assert wrapped.feature_channels == bare.feature_channels and wrapped.size_divisor == bare.size_divisor


@pytest.mark.parametrize("name,kwargs", MODELS)
def test_gradients_reach_the_localisation_net(name, kwargs):
    wrapped = SpatialTransformer(create_model(name, in_channels=1, num_classes=3, **kwargs))
    x = _batch()
    y = jt.array(np.random.default_rng(1).integers(0, 3, (2, 64, 96)).astype(np.int32))
    loss = nn.cross_entropy_loss(wrapped(x), y)
    g_w, g_b = jt.grad(loss, [wrapped.theta_out.weight, wrapped.theta_out.bias])
    assert np.abs(g_w.numpy()).max() > 0 and np.abs(g_b.numpy()).max() > 0
    # the last layer starts at zero weight; once it moves, the gradient flows into the conv layers
    wrapped.theta_out.weight.assign(jt.array(np.full(wrapped.theta_out.weight.shape, 0.01, np.float32)))
    first_conv = wrapped.localisation[0][0].weight
    (g_conv,) = jt.grad(nn.cross_entropy_loss(wrapped(x), y), [first_conv])
    assert np.abs(g_conv.numpy()).max() > 0


def test_invert_affine_is_the_matrix_inverse():
    theta = np.array([[[0.9, 0.2, 0.1], [-0.15, 1.1, -0.2]], [[1.2, 0.0, 0.0], [0.0, 0.8, 0.3]]], np.float32)
    inv = invert_affine(jt.array(theta)).numpy()
    for t, i in zip(theta, inv):
        full = np.vstack([t, [0, 0, 1]])
        np.testing.assert_allclose(np.vstack([i, [0, 0, 1]]), np.linalg.inv(full), atol=1e-5)


def test_warp_then_inverse_warp_restores_the_image_centre():
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    smooth = np.sin(3 * xx + 2 * yy).astype(np.float32)[None, None]
    theta = jt.array(np.array([[[0.8, 0.1, 0.05], [-0.1, 0.85, 0.0]]], np.float32))
    back = warp(warp(jt.array(smooth), theta), invert_affine(theta)).numpy()
    centre = (slice(None), slice(None), slice(16, 48), slice(16, 48))
    assert np.abs(back[centre] - smooth[centre]).max() < 0.02  # bilinear resampling twice


def test_stn_rejects_a_non_segmentation_model():
    with pytest.raises(TypeError, match="SegmentationModel"):
        SpatialTransformer(nn.Conv2d(1, 3, 1))
