"""SETR (small): Zheng, Lu, Zhao, Zhu, Luo, Wang, Fu, Feng, Xiang, Torr and Zhang,
"Rethinking Semantic Segmentation from a Sequence-to-Sequence Perspective with
Transformers", CVPR 2021 (arXiv:2012.15840).

A pure transformer encoder: the image is cut into 16x16 patches, embedded,
given position embeddings and passed through transformer layers (Section 3.1);
no convolution down-samples. The progressive up-sampling decoder, SETR-PUP
(Section 3.2, Figure 1(b)), reshapes the tokens to an (H/16, W/16) map and
alternates a 3x3 convolution and 2x bilinear up-sampling four times back to
the input size, then classifies each pixel.

"Small": the paper uses ViT-Large (1024 dimensions, 24 layers, 16 heads);
here `embed_dim` 256, 8 layers, 8 heads, decoder channels `embed_dim / 2`
by default, and no auxiliary heads. The position embedding is learned for
`img_size` and resized to other inputs (see `_vit.py`).
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel, segmentation_head, upsample
from jmedseg.models._vit import ViTEncoder
from jmedseg.models.registry import register_model

PATCH_SIZE = 16


class SETR(SegmentationModel):
    def __init__(self, in_channels, num_classes, embed_dim=256, depth=8, num_heads=8, img_size=128,
                 decoder_channels=None):
        super().__init__(in_channels, num_classes)
        self.feature_channels = embed_dim
        self.encoder = ViTEncoder(in_channels, embed_dim, depth, num_heads, PATCH_SIZE, img_size)
        decoder_channels = decoder_channels or max(1, embed_dim // 2)
        self.decoder = nn.ModuleList([
            ConvBNReLU(embed_dim if i == 0 else decoder_channels, decoder_channels) for i in range(4)
        ])
        self.head = segmentation_head(decoder_channels, num_classes)

    def encoder_features(self, x):
        return self.encoder(x)

    def segment(self, x):
        y = self.encoder(x)
        for conv in self.decoder:
            y = upsample(conv(y), 2)
        return self.head(y)


@register_model
def setr_small(in_channels, num_classes, **kwargs):
    return SETR(in_channels, num_classes, **kwargs)
