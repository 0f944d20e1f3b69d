import pytest

from jmedseg.models.registry import UnknownModelError, create_model, list_models


def test_unet_is_registered_and_pattern_filters():
    assert "unet" in list_models()
    assert set(list_models("unet*")) >= {"unet", "unet_small"}
    assert list_models("no_such_*") == []


def test_unknown_name_lists_close_matches():
    with pytest.raises(UnknownModelError, match="Did you mean: unet"):
        create_model("uent", in_channels=1, num_classes=2)


def test_none_kwargs_mean_model_default():
    a = create_model("unet", in_channels=1, num_classes=2, width=None, depth=2)
    assert a.feature_channels == 32 * 4  # default width 32, two doublings


def test_bad_option_names_the_model():
    with pytest.raises(TypeError, match="model 'unet' does not accept"):
        create_model("unet", in_channels=1, num_classes=2, wdith=8)
