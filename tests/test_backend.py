from jmedseg import backend


def test_onednn_is_plugged_in():
    # scripts/setup.sh links Debian's oneDNN; without it convolutions are ~50x slower.
    assert backend.onednn_available()
    assert backend.check_onednn() is True


def test_cpu_machine_has_cuda_off():
    if not backend.gpu_available():
        assert backend.jt.flags.use_cuda == 0


def test_kernels_compile_one_at_a_time_unless_the_user_asks():
    # Jittor's parallel op compiler races on unlocked maps (native crashes in cold runs; jmedseg/backend.py).
    import os

    wanted = int(os.environ.get("use_parallel_op_compiler", "0"))
    assert backend.jt.flags.use_parallel_op_compiler == wanted
