# The two commands of the README, and what they need.
#   make run   — the robot living in the simulated office, with its console
#   make test  — every test, with every package the tests need
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SDF_CHECK := $(BIN)/pepa-sdf-check
# ROS 2 wheels: keep discovery on this machine.
export ROS_AUTOMATIC_DISCOVERY_RANGE ?= LOCALHOST

.PHONY: run test lint bench system-deps build-tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml ros_ws/src/pepa_ros/setup.py | $(BIN)/python
	$(BIN)/pip install -q -e ".[ros,interfaces]"
	$(BIN)/pip install -q -e ros_ws/src/pepa_ros
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	$(BIN)/pip install -q -e ".[ros,test,policy,ray]"
	touch $@

# ROS 2 interface packages, built with plain CMake into the environment (the ROS 2 wheels make
# it a ROS prefix; the build corrects the wheels' exported include paths first, every time, so
# it stays right after another message wheel is installed). pepa_interfaces for every node;
# the tests' stand-in for Nav2's nav2_msgs only for `make test`.
INTERFACES := ros_ws/src/pepa_interfaces
TEST_INTERFACES := tests/ros_packages/nav2_msgs
interface_sources = $(wildcard $(1)/CMakeLists.txt $(1)/package.xml $(1)/msg/* $(1)/srv/* $(1)/action/*)

$(VENV)/.interfaces: $(call interface_sources,$(INTERFACES)) $(VENV)/.run-deps | build-tools
	$(BIN)/python -m pepa_ros.interface_build $(INTERFACES)
	touch $@

$(VENV)/.test-interfaces: $(call interface_sources,$(TEST_INTERFACES)) $(VENV)/.interfaces
	$(BIN)/python -m pepa_ros.interface_build $(TEST_INTERFACES)
	touch $@

# The local LLM for the `llm` tests: llama.cpp compiled portably (a native build crashes on
# some CPUs) and the small model package it serves. `make run` does not need it.
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(VENV)/.llm-deps: pyproject.toml $(VENV)/.test-deps
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(BIN)/pip install -q --no-binary llama-cpp-python -e ".[ros,test,llm]"
	touch $@

# The robot living in the simulated office on real ROS 2 topics; the console at the printed
# address. Ctrl-C stops it; the data directory keeps its memory for the next run.
RUN_ARGS ?= --speed 4 --data data --personality Curious --warm-up-days 1
run: $(VENV)/.run-deps $(VENV)/.interfaces
	$(BIN)/pepa run $(RUN_ARGS)

test: system-deps $(VENV)/.test-deps $(VENV)/.llm-deps $(VENV)/.test-interfaces $(SDF_CHECK)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(VENV)/.run-deps
	$(BIN)/python bench/sim_speed.py

# System packages the tests need (Debian); installed only when missing.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@{ command -v c++ && pkg-config --exists sdformat12; } >/dev/null 2>&1 || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			g++ pkg-config libsdformat-dev; }

# The strict SDFormat checker of the exported Gazebo worlds (libsdformat's own parser).
$(SDF_CHECK): sim/gazebo/sdf_check.cpp | system-deps $(BIN)/python
	c++ -O1 -o $@ $< $$(pkg-config --cflags --libs sdformat12)

# A C/C++ tool chain, CMake and the Python headers, for the interface packages (Debian);
# installed only when missing.
build-tools:
	@{ command -v cmake && command -v g++ && $(PYTHON) -c \
		"import sysconfig, pathlib, sys; \
		sys.exit(not pathlib.Path(sysconfig.get_paths()['include'], 'Python.h').exists())"; \
	} >/dev/null 2>&1 || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			cmake g++ python3-dev; }

clean:
	rm -rf $(VENV)
