# jmedseg: every entry installs what it needs first (scripts/setup.sh is idempotent).
PY := .venv/bin/python
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: setup demo test bench clean default-model

setup:
	@bash scripts/setup.sh

demo: setup  ## train + evaluate + measure density on built-in synthetic CT
	$(PY) train.py experiment=demo

default-model: setup  ## train the shipped model by its recipe on built-in data (~25 min on 2 quiet cores)
	$(PY) -m jmedseg.pipelines.default_model

test: setup  ## the test suite (what CI runs)
	@# two processes: the zoo's 41 models grow Jittor's kernel cache and memory in the process that runs them;
	@# each half starts clean (native crashes while kernels compiled: see use_parallel_op_compiler in jmedseg/backend.py)
	$(PY) -m pytest -q tests/models
	$(PY) -m pytest -q --ignore=tests/models

bench: setup  ## benchmark tables (see benchmarks/)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf outputs multirun .pytest_cache
