"""Build ROS 2 interface packages (``rosidl_generate_interfaces``) into a virtual environment.

The ROS 2 wheels make the virtual environment a ROS prefix, so an ament_cmake interface
package builds there with plain CMake: ``CMAKE_PREFIX_PATH`` and (while configuring)
``AMENT_PREFIX_PATH`` point at the environment, and the environment's Python runs the
generators. One correction comes first: the message wheels' exported CMake files
(``share/<pkg>/cmake/export_<pkg>__rosidl_generator_pyExport.cmake``) name the Python and
numpy include directories of the machine that built the wheels, which CMake refuses as
missing; they are pointed at this interpreter's. The correction is idempotent and must be
redone after another message wheel is installed, so every build does it.

On a ROS install, colcon builds the same packages; this is for a prefix made of wheels.
``python -m pepa_ros.interface_build PACKAGE_DIR... [--prefix DIR] [--build-dir DIR]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

EXPORT_GLOB = "share/*/cmake/export_*__rosidl_generator_pyExport.cmake"
INCLUDE_PROPERTY = re.compile(r'INTERFACE_INCLUDE_DIRECTORIES "[^"]*"')


class InterfaceBuildError(RuntimeError):
    """A build that cannot go on; the text says which step and what to install or fix."""


def include_dirs() -> list[Path]:
    """This interpreter's C headers and numpy's, which the Python typesupport compiles with."""
    python_include = Path(sysconfig.get_paths()["include"])
    if not (python_include / "Python.h").exists():
        raise InterfaceBuildError(
            f"no Python.h in {python_include}: install the Python development headers "
            "(Debian: python3-dev)"
        )
    try:
        import numpy
    except ImportError:
        raise InterfaceBuildError("numpy is needed to build ROS 2 Python typesupport") from None
    return [python_include, Path(numpy.get_include())]


def fix_wheel_exports(prefix: Path) -> list[Path]:
    """Point the wheels' exported Python include directories at this machine's.

    Returns the files changed (none when they are already right).
    """
    value = ";".join(str(p) for p in include_dirs())
    changed = []
    for path in sorted(prefix.glob(EXPORT_GLOB)):
        text = path.read_text()
        fixed = INCLUDE_PROPERTY.sub(f'INTERFACE_INCLUDE_DIRECTORIES "{value}"', text)
        if fixed != text:
            path.write_text(fixed)
            changed.append(path)
    return changed


def _environment(prefix: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_ROS_WHEELS_")}
    env["CMAKE_PREFIX_PATH"] = str(prefix)
    env["AMENT_PREFIX_PATH"] = str(prefix)
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(step: str, cmd: Sequence[str], env: dict[str, str], log_file: Path) -> None:
    with log_file.open("ab") as out:
        done = subprocess.run(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise InterfaceBuildError(
            f"{step} failed (exit {done.returncode}); the end of {log_file}:\n" + "\n".join(tail)
        )


def build(package_dir: Path, prefix: Path, build_root: Path, jobs: int = 2) -> None:
    """Configure, build and install one ament_cmake interface package into ``prefix``."""
    if not (package_dir / "CMakeLists.txt").exists():
        raise InterfaceBuildError(f"{package_dir}: no CMakeLists.txt (not a package directory)")
    if not (prefix / "share" / "rosidl_default_generators").exists():
        raise InterfaceBuildError(
            f"{prefix} has no rosidl_default_generators: install the interface build "
            "dependencies first (the project's `interfaces` extra)"
        )
    fix_wheel_exports(prefix)
    build_dir = build_root / package_dir.name
    build_dir.mkdir(parents=True, exist_ok=True)
    log_file = build_dir / "build.log"
    log_file.write_text("")
    env = _environment(prefix)
    log.info("building %s into %s", package_dir.name, prefix)
    _run(
        "configure",
        [
            "cmake",
            "-S",
            str(package_dir.resolve()),
            "-B",
            str(build_dir),
            f"-DCMAKE_INSTALL_PREFIX={prefix}",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DBUILD_TESTING=OFF",
        ],
        env,
        log_file,
    )
    _run("build", ["cmake", "--build", str(build_dir), "-j", str(jobs)], env, log_file)
    _run("install", ["cmake", "--install", str(build_dir)], env, log_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="+", type=Path, help="interface package directories")
    parser.add_argument(
        "--prefix", type=Path, default=Path(sys.prefix), help="default: this environment"
    )
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build_root = args.build_dir or args.prefix / "build"
    try:
        for package in args.packages:
            build(package, args.prefix.resolve(), build_root, args.jobs)
    except InterfaceBuildError as exc:
        print(f"interface build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
