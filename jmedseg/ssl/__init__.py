"""Self-supervised contrastive pretraining of segmentation encoders (SAS stage 1, supplement B.2.1)."""
from jmedseg.ssl.moco import MoCo, info_nce
from jmedseg.ssl.pretrain import pretrain, pretraining_stage
from jmedseg.ssl.views import ViewSpec, random_view, two_views
from jmedseg.models.weights import encoder_parameter_names, load_pretrained, save_encoder

__all__ = ["MoCo", "info_nce", "pretrain", "pretraining_stage", "ViewSpec", "random_view", "two_views",
           "encoder_parameter_names", "load_pretrained", "save_encoder"]
