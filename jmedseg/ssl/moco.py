"""Momentum contrast (MoCo): He et al., "Momentum Contrast for Unsupervised Visual
Representation Learning", CVPR 2020 (arXiv:1911.05722), with the MLP projection
head of MoCo v2 (Chen et al., 2020, arXiv:2003.04297).

The paper's SAS pretraining (supplement B.2.1, Eq. 4, Algorithm 1) describes a
memory bank and InfoNCE; its code had no momentum encoder and never trained the
projection head (docs/references.md, "The paper's code"). Here:
- the query encoder is any registered model's encoder (`encoder_features`,
  global-average pooled) followed by a trained MLP projection head;
- the key encoder is a copy whose parameters follow the query's by an
  exponential moving average, k <- m k + (1 - m) q, without gradients;
- a FIFO queue of K normalised keys from past batches supplies the negatives;
- loss = InfoNCE with temperature tau over [positive, K negatives].
MoCo's shuffled batch norm is not used; the key encoder instead runs in eval
mode with the query's batch-norm statistics copied in, so a key never sees the
statistics of its own batch. Under `mpirun` each rank encodes its share of the
batch and the keys of all ranks enter the queue (jmedseg.ssl.distributed).
"""
import copy

import numpy as np

from jmedseg.backend import jt, nn
from jmedseg.errors import ConfigError
from jmedseg.ssl.distributed import all_gather_rows, mean_value_over_ranks


class ProjectionHead(nn.Module):
    """Two-layer MLP from pooled encoder features to the contrastive embedding."""

    def __init__(self, in_dim, out_dim=128, hidden_dim=None):
        super().__init__()
        hidden_dim = hidden_dim or in_dim
        self.fc1 = nn.Linear(in_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, out_dim)

    def execute(self, x):
        return self.fc2(nn.relu(self.fc1(x)))


class ContrastiveEncoder(nn.Module):
    """Backbone encoder -> global average pool -> projection head -> unit-length embedding."""

    def __init__(self, backbone, out_dim=128, hidden_dim=None):
        super().__init__()
        if not getattr(backbone, "feature_channels", None):
            raise ValueError(f"{type(backbone).__name__} does not declare feature_channels; every "
                             "registered model must set it for contrastive pretraining")
        self.backbone = backbone
        self.head = ProjectionHead(backbone.feature_channels, out_dim, hidden_dim)

    def execute(self, x):
        pooled = self.backbone.encoder_features(x).mean(dims=(2, 3))
        return normalize(self.head(pooled))


def normalize(x, eps=1e-12):
    return x / jt.sqrt((x * x).sum(dim=1, keepdims=True) + eps)


def info_nce(query, positive, negatives, temperature=0.07):
    """InfoNCE (paper Eq. 4; van den Oord et al. 2018): -log softmax of the positive among all.

    query, positive: `[N, D]` unit vectors; negatives: `[K, D]` unit vectors.
    Returns (mean loss, fraction of queries whose positive scores highest).
    """
    pos = (query * positive).sum(dim=1, keepdims=True)
    neg = jt.matmul(query, negatives.transpose())
    logits = jt.concat([pos, neg], dim=1) / temperature
    target = jt.zeros(query.shape[0], dtype="int32")  # the positive is column 0
    loss = nn.cross_entropy_loss(logits, target)
    accuracy = float((np.argmax(logits.numpy(), axis=1) == 0).mean())
    return loss, accuracy


class MoCo:
    """Query encoder (trained), momentum key encoder (EMA), queue of negatives, InfoNCE.

    `loss(x_query, x_key)` runs one MoCo step's forward: EMA update of the key
    encoder, keys, queries, InfoNCE against the queue, then enqueues the keys
    (under mpirun: the keys of every rank, in rank order). Train
    `moco.query.parameters()` with any optimizer.
    """

    def __init__(self, backbone, projection_dim=128, hidden_dim=None, queue_size=64,
                 momentum=0.999, temperature=0.07, seed=0):
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        if queue_size < 1 or temperature <= 0:
            raise ConfigError(f"need queue_size >= 1 and temperature > 0, got {queue_size}, {temperature}")
        self.query = ContrastiveEncoder(backbone, projection_dim, hidden_dim)
        self.query.train()
        # Jittor's eval() marks every parameter stop-grad, so tell learned weights from batch-norm
        # statistics now, in train mode
        self.statistics = {n for n, p in self.query.named_parameters() if p.is_stop_grad()}
        self.key = copy.deepcopy(self.query)
        self.key.eval()
        self.momentum = float(momentum)
        self.temperature = float(temperature)
        rng = np.random.default_rng(seed)
        queue = rng.standard_normal((queue_size, projection_dim)).astype(np.float32)
        self.queue = queue / np.linalg.norm(queue, axis=1, keepdims=True)  # MoCo starts from random keys
        self.queue_ptr = 0

    def momentum_update(self):
        """Key parameters <- m * key + (1 - m) * query; batch-norm statistics are copied."""
        m = self.momentum
        key_state = self.key.state_dict()
        with jt.no_grad():
            for name, q in self.query.state_dict().items():
                k = key_state[name]
                if name in self.statistics:
                    k.update(q.detach().clone())
                else:
                    k.update(m * k + (1.0 - m) * q.detach())

    def enqueue(self, keys):
        """Write `keys` `[N, D]` over the oldest entries of the queue (FIFO, wraps around)."""
        keys = np.asarray(keys, np.float32)
        size = len(self.queue)
        if len(keys) > size:
            raise ValueError(f"a batch of {len(keys)} keys does not fit a queue of {size}: "
                             "set pretrain.queue_size >= pretrain.batch_size")
        rows = (self.queue_ptr + np.arange(len(keys))) % size
        self.queue[rows] = keys
        self.queue_ptr = int((self.queue_ptr + len(keys)) % size)

    def loss(self, x_query, x_key):
        self.momentum_update()
        with jt.no_grad():
            keys = self.key(x_key).detach()
        queries = self.query(x_query)
        loss, accuracy = info_nce(queries, keys, jt.array(self.queue.copy()), self.temperature)
        self.enqueue(all_gather_rows(keys.numpy()))
        return loss, mean_value_over_ranks(accuracy)
