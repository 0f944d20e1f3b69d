"""Spatial transformer wrapper: an affine STN in front of any registered segmentation model.

Jaderberg et al., "Spatial Transformer Networks", NeurIPS 2015 (arXiv:1506.02025);
the paper's SAS framework, supplement B.2.3 (Eq. 5, Figure 11). A small
localisation net predicts a 2x3 affine matrix theta per image; the image is
resampled with it (`nn.affine_grid` + `nn.grid_sample`) and segmented. Unlike
the paper's wrapper, the logits are then resampled with the inverse affine, so
the prediction lies in the input frame and is scored against the unwarped
mask. The last localisation layer starts at zero weight and identity bias, so
at initialisation the wrapped model computes exactly what the bare model does.
"""
import numpy as np

from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel
from jmedseg.models.registry import register_wrapper

IDENTITY_THETA = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], np.float32)


def invert_affine(theta):
    """Inverse of a batch of 2x3 affine matrices `[N, 2, 3]` (maps output back to input)."""
    a, b, tx = theta[:, 0, 0], theta[:, 0, 1], theta[:, 0, 2]
    c, d, ty = theta[:, 1, 0], theta[:, 1, 1], theta[:, 1, 2]
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    row0 = jt.stack([ia, ib, -(ia * tx + ib * ty)], dim=1)
    row1 = jt.stack([ic, id_, -(ic * tx + id_ * ty)], dim=1)
    return jt.stack([row0, row1], dim=1)


def warp(x, theta):
    """Sample `x` at the positions `theta` maps each output pixel to (normalised coordinates)."""
    grid = nn.affine_grid(theta, x.shape, align_corners=False)
    return nn.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@register_wrapper
class SpatialTransformer(SegmentationModel):
    """`segmenter` behind an identity-initialised affine STN; logits come back in the input frame.

    The localisation net is the paper's (3x3 conv, BN, ReLU blocks, then average
    pooling to 2x2, so any input size works), with stride-2 blocks to keep it
    cheap on CPU. `encoder_features` are the segmenter's features of the warped
    image, so contrastive pretraining sees what the segmenter sees.
    """

    def __init__(self, segmenter, loc_channels=(8, 16, 32, 64), hidden=32):
        if not isinstance(segmenter, SegmentationModel):
            raise TypeError(f"the STN wraps a jmedseg SegmentationModel, got {type(segmenter).__name__}")
        super().__init__(segmenter.in_channels, segmenter.num_classes)
        self.segmenter = segmenter
        self.size_divisor = segmenter.size_divisor
        self.feature_channels = segmenter.feature_channels
        blocks, ch = [], segmenter.in_channels
        for out in loc_channels:
            blocks.append(ConvBNReLU(ch, out, stride=2))
            ch = out
        self.localisation = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(2))
        self.theta_hidden = nn.Linear(4 * ch, hidden)
        self.theta_out = nn.Linear(hidden, 6)
        self.theta_out.weight.assign(jt.zeros(self.theta_out.weight.shape))
        self.theta_out.bias.assign(jt.array(IDENTITY_THETA))

    def theta(self, x):
        """Per-image affine matrices `[N, 2, 3]` (identity at initialisation)."""
        h = self.localisation(x).reshape(x.shape[0], -1)
        return self.theta_out(nn.relu(self.theta_hidden(h))).reshape(-1, 2, 3)

    def segment(self, x):
        theta = self.theta(x)
        logits = self.segmenter(warp(x, theta))
        # outside the warped field of view all logits are 0, so argmax there is class 0 (background)
        return warp(logits, invert_affine(theta))

    def encoder_features(self, x):
        return self.segmenter.encoder_features(warp(x, self.theta(x)))
