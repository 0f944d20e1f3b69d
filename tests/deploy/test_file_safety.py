"""Files jmedseg reads never run code; files it writes are atomic and follow the user's umask."""
import io
import os
import pickle

import numpy as np
import pytest

from jmedseg.backend import jt, nn
from jmedseg.training.checkpoint import (CheckpointError, convert_pickle_checkpoint, load_checkpoint, load_weights,
                                save_checkpoint)
from jmedseg.cli import main as cli_main
from jmedseg.data.synthetic import write_phantom_cohort as write_cohort
from jmedseg.data.io import Volume, save_like
from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.measure import HUHistogram
from jmedseg.deploy.export import ModelFileError, load_model_file, read_model_file
from jmedseg.models.registry import create_model
from jmedseg.utils.report import write_csv, write_json
from jmedseg.models.weights import load_pretrained
from jmedseg.utils.files import atomic_path, atomic_write_bytes, remove_stale_temp_files


class _RunsCode:
    """Unpickling this runs `exec`, which creates the marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def _tiny_model():
    return create_model("unet_small", in_channels=1, num_classes=3, width=4, depth=2)


@pytest.fixture
def hostile(tmp_path):
    """A pickle shaped like an old checkpoint, with a payload that would create `marker` if unpickled."""
    marker = tmp_path / "code-ran"
    payload = {"format": "jmedseg-checkpoint", "version": 1, "model_name": "unet_small",
               "model_kwargs": {}, "state": {"w": _RunsCode(marker)}}
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    paths = {}
    for name in ("old.ckpt", "model.jmed", "encoder.ckpt", "hist.npz"):
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    # the same payload inside an .npz member (an object array pickles its elements)
    buf = io.BytesIO()
    np.savez(buf, **{"meta.json": np.frombuffer(b'{"format": "jmedseg-model"}', np.uint8),
                     "state/w": np.array([_RunsCode(marker)], dtype=object)})
    paths["objects.jmed"] = tmp_path / "objects.jmed"
    paths["objects.jmed"].write_bytes(buf.getvalue())
    paths["objects.ckpt"] = tmp_path / "objects.ckpt"
    paths["objects.ckpt"].write_bytes(buf.getvalue())
    return marker, paths


def test_hostile_pickle_is_refused_by_every_loader_without_running_code(hostile):
    marker, p = hostile
    pickled = "is a Python pickle, which can run code when loaded"
    loaders = [
        (lambda: load_checkpoint(p["old.ckpt"]), CheckpointError, pickled + ".*convert-checkpoint"),
        (lambda: load_checkpoint(p["old.ckpt"], trust_pickle=True), CheckpointError,
         "not a readable pickled jmedseg checkpoint.*refusing to load builtins.exec"),
        (lambda: convert_pickle_checkpoint(p["old.ckpt"], p["old.ckpt"].with_name("new.ckpt")), CheckpointError,
         "refusing to load builtins.exec"),
        (lambda: read_model_file(p["model.jmed"]), ModelFileError, pickled + ".*jmedseg export"),
        (lambda: load_model_file(p["model.jmed"]), ModelFileError, pickled),
        (lambda: load_pretrained(_tiny_model(), str(p["encoder.ckpt"]), "unet_small"), CheckpointError, pickled),
        (lambda: HUHistogram.load(p["hist.npz"]), ValueError, "cannot read HU histogram"),
        (lambda: read_model_file(p["objects.jmed"]), ModelFileError, "holds pickled Python objects"),
        (lambda: load_model_file(p["objects.jmed"]), ModelFileError, "holds pickled Python objects"),
        (lambda: load_checkpoint(p["objects.ckpt"]), CheckpointError, "holds pickled Python objects"),
        (lambda: load_checkpoint(p["objects.ckpt"], trust_pickle=True), CheckpointError, "pickled Python objects"),
        (lambda: HUHistogram.load(p["objects.jmed"]), ValueError, "cannot read HU histogram"),
    ]
    for load, error, message in loaders:
        with pytest.raises(error, match=message):
            load()
        assert not marker.exists(), f"loading ran code: {message}"


def test_hostile_pickle_through_the_command_line(hostile, tmp_path, capsys):
    marker, p = hostile
    assert cli_main(["export", str(p["old.ckpt"]), "--out", str(tmp_path / "m.jmed")]) == 2
    assert cli_main(["convert-checkpoint", str(p["old.ckpt"]), str(tmp_path / "n.ckpt")]) == 2
    assert cli_main(["convert-checkpoint", str(p["old.ckpt"]), str(tmp_path / "n.ckpt"), "--trust-pickle"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(str(p["old.ckpt"]) in line for line in err)
    assert "convert-checkpoint" in err[0] and "--trust-pickle" in err[1] and "builtins.exec" in err[2]
    assert not marker.exists() and not (tmp_path / "n.ckpt").exists() and not (tmp_path / "m.jmed").exists()


@pytest.mark.parametrize("name", ["model.jmed", "last.ckpt"])
@pytest.mark.parametrize("content,message", [
    (b"", "is empty \\(0 bytes\\)"),
    (b"PK\x03\x04" + b"\x00" * 40, "damaged or truncated"),
    (b"this is not a model", "not an .npz archive"),
])
def test_empty_or_corrupt_files_give_one_line_naming_the_file(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    error = ModelFileError if name.endswith(".jmed") else CheckpointError
    load = read_model_file if name.endswith(".jmed") else load_checkpoint
    with pytest.raises(error, match=f"{path}.*{message}") as caught:
        load(path)
    assert "\n" not in str(caught.value)
    command = (["segment", "--model", str(path), "--ct", str(tmp_path / "ct.nii.gz"), "--out", str(tmp_path / "o")]
               if name.endswith(".jmed") else ["export", str(path), "--out", str(tmp_path / "m.jmed")])
    assert cli_main(command) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "Traceback" not in err[0]


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    model = _tiny_model()
    path = tmp_path / "last.ckpt"
    save_checkpoint(str(path), model, "unet_small", {"width": 4, "depth": 2}, "")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a copy cut off half-way
    with pytest.raises(CheckpointError, match=f"{path} is a damaged or truncated jmedseg checkpoint"):
        load_checkpoint(path)


def test_checkpoint_round_trip_keeps_weights_optimizer_state_and_metadata(tmp_path):
    model = _tiny_model()
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    x = jt.array(np.random.default_rng(0).random((2, 1, 32, 32)).astype(np.float32))
    optimizer.step((model(x) ** 2).mean())
    path = tmp_path / "c.ckpt"
    history = [{"epoch": 1, "train_loss": 0.5, "val_fg_dice": float("nan")}]
    save_checkpoint(str(path), model, "unet_small", {"width": 4, "depth": 2}, "seed: 0\n", epoch=3, step=7,
                    best_score=float("-inf"), optimizer=optimizer, extra={"history": history})
    payload = load_checkpoint(path)
    assert (payload["model_name"], payload["epoch"], payload["step"]) == ("unet_small", 3, 7)
    assert payload["best_score"] == float("-inf") and payload["config_yaml"] == "seed: 0\n"
    record = payload["extra"]["history"][0]
    assert record["train_loss"] == 0.5 and np.isnan(record["val_fg_dice"])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(payload["state"][k], v.numpy(), err_msg=k)
    saved_m = payload["optimizer"]["defaults"]["param_groups"][0]["m"]
    own_m = optimizer.param_groups[0]["m"]
    assert len(saved_m) == len(own_m) and payload["optimizer"]["defaults"]["n_step"] == 1
    for a, b in zip(saved_m, own_m):
        np.testing.assert_array_equal(a, b.numpy())
    fresh = _tiny_model()
    load_weights(fresh, payload, "unet_small")
    again = nn.Adam(fresh.parameters(), lr=0.01)
    again.load_state_dict(payload["optimizer"])  # what resuming does
    assert again.n_step == 1
    np.testing.assert_array_equal(again.param_groups[0]["m"][0].numpy(), own_m[0].numpy())


def test_old_pickled_checkpoint_is_refused_then_converted_when_trusted(tmp_path, capsys):
    model = _tiny_model()
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    old = {"format": "jmedseg-checkpoint", "version": 1, "model_name": "unet_small",
           "model_kwargs": {"width": 4, "depth": 2}, "state": state, "optimizer": None, "epoch": 0, "step": 2,
           "best_score": 0.5, "config_yaml": "", "extra": {}}
    path = tmp_path / "old.ckpt"
    path.write_bytes(pickle.dumps(old, protocol=pickle.HIGHEST_PROTOCOL))
    with pytest.raises(CheckpointError, match="jmedseg convert-checkpoint OLD.ckpt NEW.ckpt --trust-pickle"):
        load_checkpoint(path)
    assert load_checkpoint(path, trust_pickle=True)["step"] == 2
    new = tmp_path / "new.ckpt"
    assert cli_main(["convert-checkpoint", str(path), str(new), "--trust-pickle"]) == 0
    assert f"{path} -> {new}" in capsys.readouterr().out
    payload = load_checkpoint(new)
    assert payload["version"] == 2 and payload["best_score"] == 0.5
    for k, v in state.items():
        np.testing.assert_array_equal(payload["state"][k], v)


def test_written_files_follow_the_umask(tmp_path):
    fig = pyplot().figure()
    writers = {
        "last.ckpt": lambda p: save_checkpoint(p, _tiny_model(), "unet_small", {}, ""),
        "metrics.json": lambda p: write_json(p, {"a": 1}),
        "table.csv": lambda p: write_csv(p, [{"a": 1}]),
        "hist.npz": lambda p: HUHistogram(np.array([1, 2]), np.array([3, 4])).save(p),
        "plot.png": lambda p: save_figure(fig, p),
        "mask.nii.gz": lambda p: save_like(volume, volume.array, p),
        "cohort": lambda p: write_cohort(p, 1, seed=0, progress=False),  # a folder, made via mkdtemp
    }
    volume = Volume(np.zeros((4, 4, 2), np.float32), np.eye(4), (1.0, 1.0, 1.0))
    old = os.umask(0o022)
    try:
        for name, write in writers.items():
            write(str(tmp_path / name))
            expected = 0o755 if name == "cohort" else 0o644
            assert oct(os.stat(tmp_path / name).st_mode & 0o777) == oct(expected), name
        assert os.stat(tmp_path / "cohort" / "cohort.csv").st_mode & 0o777 == 0o644
        os.umask(0o077)  # a private umask gives private files
        atomic_write_bytes(tmp_path / "private.txt", b"x")
        assert os.stat(tmp_path / "private.txt").st_mode & 0o777 == 0o600
        os.umask(0o002)  # a group-writable umask (shared project folders) gives group-writable files
        write_json(str(tmp_path / "metrics.json"), {"a": 2})
        assert os.stat(tmp_path / "metrics.json").st_mode & 0o777 == 0o664
    finally:
        os.umask(old)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]


def test_failed_write_keeps_the_old_file_and_stale_temp_files_are_removed(tmp_path):
    path = tmp_path / "metrics.json"
    write_json(str(path), {"a": 1})
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_path(path) as tmp:  # a writer that fails half-way
            with open(tmp, "w") as f:
                f.write('{"a": ')
            raise RuntimeError("killed")
    assert path.read_text() == '{\n  "a": 1\n}\n' and os.listdir(tmp_path) == ["metrics.json"]
    stale = [tmp_path / ".tmp-abc-last.ckpt", tmp_path / ".tmp-xyz-metrics.json"]
    for p in stale:
        p.write_bytes(b"half")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".tmp-keep").write_bytes(b"")  # not recursive: other folders are not touched
    assert remove_stale_temp_files(tmp_path) == [str(p) for p in sorted(stale)]
    assert sorted(os.listdir(tmp_path)) == ["metrics.json", "sub"]
    assert remove_stale_temp_files(tmp_path / "missing") == []
