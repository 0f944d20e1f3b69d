"""Building blocks of the HarDNet, TernausNet, shift-group, group-norm and ANN models, checked by hand."""
import numpy as np

from jmedseg.backend import jt
from jmedseg.models._group_norm import norm_groups
from jmedseg.models._shift_group import last_of_each_rate, roll_channels
from jmedseg.models.annnet import pyramid_sample
from jmedseg.models.hardnet import HarmonicDenseBlock, harmonic_channels, harmonic_links
from jmedseg.models.onenet import DILATIONS
from jmedseg.models.registry import create_model


def test_harmonic_links_follow_powers_of_two():
    # Layer k reads k - 2^n for every 2^n dividing k (HarDNet, Section 3.1).
    assert harmonic_links(1) == [0]
    assert harmonic_links(2) == [1, 0]
    assert harmonic_links(3) == [2]
    assert harmonic_links(6) == [5, 4]
    assert harmonic_links(8) == [7, 6, 4, 0]
    assert harmonic_links(12) == [11, 10, 8]


def test_harmonic_block_channels_of_hardnet68_first_block():
    # Growth 14, multiplier 1.7: layers with 2^n | k get 14 * 1.7^n rounded to even: 14, 24, 40, 68.
    assert [harmonic_channels(k, 14, 1.7) for k in (1, 2, 4, 8)] == [14, 24, 40, 68]
    block = HarmonicDenseBlock(64, 14, 8)
    # Output = odd layers 1, 3, 5, 7 (14 each) + last layer 8 (68).
    assert block.out_channels == 4 * 14 + 68
    # Layer 8 reads layers 7, 6, 4 and the input: 14 + 24 + 40 + 64 channels.
    assert block.layers[7][0].in_channels == 14 + 24 + 40 + 64
    y = block(jt.randn(1, 64, 8, 8))
    assert tuple(y.shape) == (1, block.out_channels, 8, 8)


def test_ternausnet_encoders_have_vgg_conv_counts():
    def encoder_convs(name):
        model = create_model(name, in_channels=1, num_classes=2, width=4)
        return sum(len(stage) for stage in model.stages)
    assert encoder_convs("ternausnet11") == 8    # VGG11: 8 convolutional layers
    assert encoder_convs("ternausnet16") == 13   # VGG16: 13


def test_norm_groups_about_16_channels_a_group():
    assert [norm_groups(c) for c in (16, 32, 64, 96, 128, 256, 512, 1024)] == [1, 1, 4, 4, 8, 16, 32, 32]
    assert norm_groups(66) == 2  # 66 / 16 -> 4 groups would not divide 66


def test_roll_channels_is_a_cyclic_shift():
    x = jt.array(np.arange(6, dtype="float32").reshape(1, 6, 1, 1))
    np.testing.assert_array_equal(roll_channels(x, 2).numpy().ravel(), [4, 5, 0, 1, 2, 3])
    np.testing.assert_array_equal(roll_channels(x, 6).numpy().ravel(), np.arange(6))


def test_heads_tap_the_last_layer_of_each_dilation_rate():
    assert last_of_each_rate(DILATIONS) == [2, 6, 12, 13, 14, 15]


def test_pyramid_sampling_gives_110_anchors_and_the_1x1_bin_is_the_mean():
    x = jt.array(np.random.default_rng(0).normal(size=(2, 3, 8, 8)).astype("float32"))
    anchors = pyramid_sample(x, (1, 3, 6, 8)).numpy()
    assert anchors.shape == (2, 3, 110)
    # float32 averages of 64 values: agree to well within 1e-5 of values of order 1.
    np.testing.assert_allclose(anchors[:, :, 0], x.numpy().mean(axis=(2, 3)), atol=1e-5)
    # The 8x8 bins of an 8x8 map are its pixels (the last 64 anchors), in row-major order.
    np.testing.assert_allclose(anchors[:, :, -64:], x.numpy().reshape(2, 3, 64), atol=1e-6)


def test_parameter_counts_at_the_released_widths():
    """Counted by hand from the layer shapes (3 input channels, 2 classes, as the released code builds them)."""
    from jmedseg.models.build import count_parameters

    # simple_unet, width 64: stem 2x2 conv 3->64 (+bias); stages 64->128, 128->256, 256->512 (3x3, no bias,
    # GN weight+bias); ups 2x2 transposed 512->256, 256->128, 128->64 (no bias); decoder 3x3 convs
    # 256->256, 128->128, 64->64 (+GN); head 2x2 transposed 64->2 (+bias).
    stem = 3 * 64 * 4 + 64
    downs = sum(i * o * 9 + 2 * o for i, o in ((64, 128), (128, 256), (256, 512)))
    ups = sum(i * o * 4 for i, o in ((512, 256), (256, 128), (128, 64)))
    decoders = sum(c * c * 9 + 2 * c for c in (256, 128, 64))
    head = 64 * 2 * 4 + 2
    model = create_model("simple_unet", in_channels=3, num_classes=2, width=64)
    assert count_parameters(model) == stem + downs + ups + decoders + head
