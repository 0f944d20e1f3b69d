from jmedseg.cli import main
from jmedseg.models.registry import list_models


def test_models_command_lists_registered_models(capsys):
    assert main(["models", "unet*"]) == 0
    assert capsys.readouterr().out.split() == list_models("unet*")


def test_no_command_prints_help_and_fails():
    assert main([]) == 2
