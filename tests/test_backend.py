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


def test_jittor_compiles_its_core_in_one_process():
    # Its forked compile pool hung a fresh clone's setup (jmedseg/backend.py): with the variable set, jittor_utils
    # replaces the pool's run_cmds by a loop in this process.
    import os

    import jittor_utils

    assert os.environ["DISABLE_MULTIPROCESSING"] == "1"
    assert "Pool" not in jittor_utils.run_cmds.__code__.co_names
