"""The default model's recipe trains end to end and records itself in the model file (tiny budget)."""
import numpy as np
import pytest

from jmedseg.deploy.export import load_model_file, read_model_file
from jmedseg.pipelines.default_model import RECIPE, build_default_model

TINY = ["data.n_subjects=6", "data.slices_per_subject=2", "data.image_size=64", "data.split=[0.5,0.25,0.25]",
        "trainer.max_steps=2", "trainer.batch_size=2", "model.width=4", "model.depth=2"]


@pytest.mark.slow
def test_recipe_trains_and_exports_with_its_record(tmp_path):
    out = tmp_path / "default.jmed"
    meta, result = build_default_model(str(out), str(tmp_path / "run"), TINY)
    assert result["steps"] == 2
    assert (tmp_path / "run" / "overlays" / "worst_slices.png").is_file()  # evaluation's overlays
    stored, state = read_model_file(str(out))
    recipe = stored["recipe"]
    assert recipe["overrides"][: len(RECIPE)] == RECIPE and "trainer.max_steps=2" in recipe["overrides"]
    assert recipe["data_seed"] == 0 and "synthetic_ct" in recipe["config_yaml"]
    assert recipe["git_commit"] == "unknown" or len(recipe["git_commit"].split("+")[0]) == 40
    assert stored["view"] == "crop" and stored["class_names"] == ["background", "cortical", "cancellous"]
    model, meta2 = load_model_file(str(out))
    assert meta2["image_size"] == 64 and all(np.isfinite(v).all() for v in state.values())
