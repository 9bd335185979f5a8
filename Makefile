# adloom: every set-up step for a fresh machine lives here.
#   make demo   set up, then run the example campaign on the embedded default
#   make test   set up, then run the whole test suite (plain `pytest` skips the slow whole-render tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
WHEEL_CACHE ?= $(HOME)/.cache/adloom/wheels
LLAMA_VERSION := 0.3.36
# Portable llama.cpp build: the default -march=native build crashes on this CPU's AMX unit.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
OUT ?= out

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup browser demo test eval-copy bench clean-venv

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/no-deps.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@if ls $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "llama-cpp-python $(LLAMA_VERSION): using cached wheel in $(WHEEL_CACHE)"; \
	else \
		echo "llama-cpp-python $(LLAMA_VERSION): compiling once (5-10 min on 2 cores), cached in $(WHEEL_CACHE)"; \
		mkdir -p $(WHEEL_CACHE) && \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
			$(BIN)/python -m pip wheel --no-deps --no-cache-dir llama-cpp-python==$(LLAMA_VERSION) -w $(WHEEL_CACHE); \
	fi
	$(BIN)/python -m pip install -q --find-links $(WHEEL_CACHE) --only-binary llama-cpp-python -e '.[test]'
	$(BIN)/python -m pip install -q --no-deps -r requirements/no-deps.txt
	touch $@

demo: setup
	$(BIN)/adloom run examples/brief.yaml --out $(OUT)

# The web chat's browser test drives Debian's chromium (Playwright's own browser download
# cannot work offline); installed once when missing (needs root, as on CI).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The opt-in Piper voice (piper-tts is GPL-3.0: never in the default install) is tested too,
# so the voice picker's second voice and a change of voice at a gate are really exercised.
test: setup browser
	$(BIN)/python -m pip install -q -e '.[piper]'
	$(BIN)/python -m pytest -m ""

eval-copy: setup
	$(BIN)/adloom eval copy

bench: setup
	$(BIN)/python benchmarks/llm_throughput.py
	$(BIN)/python benchmarks/campaign_copy.py
	$(BIN)/python benchmarks/copy_grounding.py --per-category 1
	$(BIN)/python benchmarks/campaign_ad.py
	$(BIN)/python benchmarks/assembly_vs_ffmpeg.py
	$(BIN)/python benchmarks/assemble_own_media.py
	$(BIN)/python benchmarks/footage_pipeline.py
	$(BIN)/python benchmarks/crawl_throughput.py
	$(BIN)/python benchmarks/gpu.py

clean-venv:
	rm -rf $(VENV)
