"""Vision Transformer parts shared by SETR and TransUNet.

Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image
Recognition at Scale", ICLR 2021 (arXiv:2010.11929): the image (or a CNN
feature map) is cut into patches, each linearly embedded, a learned position
embedding added, and a stack of pre-norm transformer layers (multi-head
self-attention, then an MLP with GELU, each around a residual; Eq. 2-3)
processes the token sequence.

The position embedding is learned on a reference grid (the `img_size` the
model is built for) and resized bilinearly to the grid of each input, as
ViT does for fine-tuning at a new resolution (Section 3.2), so any input that
is a multiple of the patch size works.
"""
from jmedseg.backend import jt, nn


class MultiHeadSelfAttention(nn.Module):
    """softmax(Q K^T / sqrt(d)) V over all tokens, in `num_heads` heads (Vaswani et al., 2017)."""

    def __init__(self, dim, num_heads):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"embed_dim {dim} must be divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def execute(self, x):
        n, length, dim = x.shape
        qkv = self.qkv(x).reshape(n, length, 3, self.num_heads, dim // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                                  # (N, heads, L, d)
        attention = nn.softmax(jt.matmul(q, k.transpose(0, 1, 3, 2)) * self.scale, dim=-1)
        out = jt.matmul(attention, v).permute(0, 2, 1, 3).reshape(n, length, dim)
        return self.proj(out)


class TransformerLayer(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = MultiHeadSelfAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def execute(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViTEncoder(nn.Module):
    """Patch embedding + position embedding + transformer layers: (N, C, H, W) -> (N, D, H/p, W/p)."""

    def __init__(self, in_channels, embed_dim, depth, num_heads, patch_size, img_size, mlp_ratio=4):
        super().__init__()
        if img_size % patch_size:
            raise ValueError(f"img_size {img_size} must be a multiple of patch_size {patch_size}")
        self.patch_embedding = nn.Conv2d(in_channels, embed_dim, patch_size, stride=patch_size)
        grid = img_size // patch_size
        self.position_embedding = jt.randn((1, embed_dim, grid, grid)) * 0.02
        self.layers = nn.Sequential(*[TransformerLayer(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)

    def execute(self, x):
        x = self.patch_embedding(x)
        n, dim, h, w = x.shape
        position = self.position_embedding
        if tuple(position.shape[2:]) != (h, w):
            position = nn.interpolate(position, size=(h, w), mode="bilinear", align_corners=False)
        tokens = (x + position).reshape(n, dim, h * w).transpose(0, 2, 1)
        tokens = self.norm(self.layers(tokens))
        return tokens.transpose(0, 2, 1).reshape(n, dim, h, w)
