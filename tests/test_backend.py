from jmedseg import backend


def test_onednn_is_plugged_in():
    # scripts/setup.sh links Debian's oneDNN; without it convolutions are ~50x slower.
    assert backend.onednn_available()
    assert backend.check_onednn() is True


def test_cpu_machine_has_cuda_off():
    if not backend.gpu_available():
        assert backend.jt.flags.use_cuda == 0
