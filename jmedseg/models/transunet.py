"""TransUNet (small): Chen, Lu, Yu, Luo, Adeli, Wang, Lu, Yuille and Zhou,
"TransUNet: Transformers Make Strong Encoders for Medical Image Segmentation"
(arXiv:2102.04306, 2021).

A CNN-Transformer hybrid encoder (Section 3.2): a ResNet computes feature maps
at strides 2, 4, 8 and 16; the stride-16 map is embedded as 1x1 "patches" and
encoded by transformer layers, which add global context to local features.
The cascaded up-sampler (CUP) reshapes the tokens to a map, applies a 3x3
convolution, then four decoder blocks (2x up-sampling, concatenation with
the CNN map of that resolution, two 3x3 conv-BN-ReLU) bring it back to full
resolution (Figure 1); the last block has no skip.

"Small": the paper uses R50-ViT-B/16 (ResNet-50 stages of 3, 4, 9 bottleneck
units, 768 dimensions, 12 layers, 12 heads, decoder channels 256, 128, 64, 16);
here basic-block ResNet stages (`width` C: C, C, 2C, 4C channels),
`embed_dim` 256, 6 layers, 8 heads and decoder channels 4C, 2C, C, C/4. The
position embedding is learned for `img_size` and resized to other inputs.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, DoubleConv, SegmentationModel, concat, upsample
from jmedseg.models._resnet import ResNetEncoder
from jmedseg.models._vit import ViTEncoder
from jmedseg.models.registry import register_model


class TransUNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2), embed_dim=256, depth=6,
                 num_heads=8, img_size=128):
        super().__init__(in_channels, num_classes)
        if len(layers) != 3:
            raise ValueError(f"TransUNet's CNN has three stages (down to stride 16), got layers={layers}")
        self.feature_channels = embed_dim
        self.cnn = ResNetEncoder(in_channels, width=width, layers=layers)
        skip_ch = self.cnn.channels  # strides 2, 4, 8, 16
        # Patch size 1 on the stride-16 map: the grid is img_size / 16.
        self.transformer = ViTEncoder(skip_ch[-1], embed_dim, depth, num_heads, patch_size=1, img_size=img_size // 16)
        self.conv_more = ConvBNReLU(embed_dim, 8 * width)
        decoder_ch = [4 * width, 2 * width, width, max(1, width // 4)]
        ins = [8 * width] + decoder_ch[:-1]
        skips = [skip_ch[2], skip_ch[1], skip_ch[0], 0]
        self.decoder = nn.ModuleList([DoubleConv(c_in + s, c_out) for c_in, s, c_out in zip(ins, skips, decoder_ch)])
        self.head = nn.Conv2d(decoder_ch[-1], num_classes, 3, padding=1)

    def encoder_features(self, x):
        return self.transformer(self.cnn(x)[-1])

    def segment(self, x):
        features = self.cnn(x)
        y = self.conv_more(self.transformer(features[-1]))
        skips = [features[2], features[1], features[0], None]
        for block, skip in zip(self.decoder, skips):
            y = upsample(y, 2)
            y = block(y if skip is None else concat([y, skip]))
        return self.head(y)


@register_model
def transunet_small(in_channels, num_classes, **kwargs):
    return TransUNet(in_channels, num_classes, **kwargs)
