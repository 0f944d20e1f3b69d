"""The packaged Hydra configs (train.yaml, evaluate.yaml, pretrain.yaml and their groups); `conf/` at the repository root points here."""
