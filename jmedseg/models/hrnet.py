"""HRNet (small): Wang, Sun, Cheng, Jiang, Deng, Zhao, Liu, Mu, Tan, Wang, Liu and
Xiao, "Deep High-Resolution Representation Learning for Visual Recognition",
IEEE TPAMI 2020 (arXiv:1908.07919).

Instead of encoding down and decoding up, HRNet keeps a high-resolution
branch through the whole network and adds lower-resolution branches stage by
stage (Section 3, Figure 2):
- stem: two stride-2 3x3 convolutions (stride 4), then stage 1 (residual
  blocks on one branch);
- each transition adds a branch at half the resolution and twice the channels
  (C, 2C, 4C, ...), made by a stride-2 3x3 convolution of the lowest branch;
- each stage repeats a module of residual blocks per branch followed by
  multi-resolution fusion (Figure 3): branch j receives the sum of every branch,
  up-sampled (1x1 conv + bilinear) or down-sampled (stride-2 3x3 convs) to its
  resolution;
- HRNetV2 head (Section 3, Figure 4(b)): all branches up-sampled to the highest
  resolution, concatenated, mixed by a 1x1 conv-BN-ReLU and classified.

"Small" means: `num_branches` 3 (the paper's networks have 4), `width` C = 18
(HRNet-W18), `blocks` basic blocks per branch, one module per stage; the
paper's stage 1 uses bottleneck blocks, here basic blocks. The deepest encoder
feature map is the lowest-resolution branch of the last stage.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBN, ConvBNReLU, SegmentationModel, concat, segmentation_head, upsample_like
from jmedseg.models._resnet import BasicBlock
from jmedseg.models.registry import register_model


class Downsample(nn.Sequential):
    """`steps` stride-2 3x3 convolutions from branch i to branch j = i + steps; ReLU between, not after."""

    def __init__(self, in_ch, out_ch, steps):
        layers = [ConvBNReLU(in_ch, in_ch, stride=2) for _ in range(steps - 1)]
        super().__init__(*layers, ConvBN(in_ch, out_ch, 3, stride=2))


class HighResolutionModule(nn.Module):
    """Residual blocks on each branch, then multi-resolution fusion (HRNet, Figure 3)."""

    def __init__(self, channels, blocks):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(*[BasicBlock(c, c) for _ in range(blocks)]) for c in channels])
        self.fuse = nn.ModuleList()
        for j, c_out in enumerate(channels):
            row = nn.ModuleList()
            for i, c_in in enumerate(channels):
                if i == j:
                    row.append(nn.Identity())
                elif i > j:
                    row.append(ConvBN(c_in, c_out))  # then bilinear up-sampling to branch j
                else:
                    row.append(Downsample(c_in, c_out, j - i))
            self.fuse.append(row)

    def execute(self, xs):
        xs = [branch(x) for branch, x in zip(self.branches, xs)]
        fused = []
        for j, row in enumerate(self.fuse):
            total = xs[j]
            for i, layer in enumerate(row):
                if i != j:
                    total = total + upsample_like(layer(xs[i]), xs[j])
            fused.append(nn.relu(total))
        return fused


class HRNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=18, num_branches=3, blocks=2, stem_channels=64):
        super().__init__(in_channels, num_classes)
        if not 2 <= num_branches <= 4:
            raise ValueError(f"num_branches must be 2, 3 or 4, got {num_branches}")
        channels = [width * 2**i for i in range(num_branches)]
        self.feature_channels = channels[-1]
        self.stem = nn.Sequential(ConvBNReLU(in_channels, stem_channels, stride=2),
                                  ConvBNReLU(stem_channels, stem_channels, stride=2))
        self.stage1 = nn.Sequential(*[BasicBlock(stem_channels, stem_channels) for _ in range(blocks)])
        self.first_branch = ConvBNReLU(stem_channels, channels[0])
        self.transitions = nn.ModuleList()
        self.stages = nn.ModuleList()
        for b in range(1, num_branches):
            # The new branch comes from the lowest-resolution map so far (stage 1's output at first).
            source_ch = stem_channels if b == 1 else channels[b - 1]
            self.transitions.append(ConvBNReLU(source_ch, channels[b], stride=2))
            self.stages.append(HighResolutionModule(channels[: b + 1], blocks))
        self.mix = ConvBNReLU(sum(channels), sum(channels), kernel_size=1)
        self.head = segmentation_head(sum(channels), num_classes)

    def branches(self, x):
        lowest = self.stage1(self.stem(x))
        xs = [self.first_branch(lowest)]
        for transition, stage in zip(self.transitions, self.stages):
            xs = stage(xs + [transition(lowest)])
            lowest = xs[-1]
        return xs

    def encoder_features(self, x):
        return self.branches(x)[-1]

    def segment(self, x):
        xs = self.branches(x)
        y = self.mix(concat([xs[0]] + [upsample_like(b, xs[0]) for b in xs[1:]]))
        return upsample_like(self.head(y), x)


@register_model
def hrnet_small(in_channels, num_classes, **kwargs):
    return HRNet(in_channels, num_classes, **kwargs)
