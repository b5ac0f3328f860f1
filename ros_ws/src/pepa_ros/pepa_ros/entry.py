"""Console-script entry points of the nodes: each runs ``pepa_ros.runner`` on its one node."""

from __future__ import annotations

import sys
from collections.abc import Callable


def node_main(name: str) -> Callable[[list[str] | None], int]:
    """The ``main`` of a node's console script (the runner is imported late: it imports nodes)."""

    def main(argv: list[str] | None = None) -> int:
        from pepa_ros.runner import main as run

        return run([name, *(sys.argv[1:] if argv is None else argv)])

    main.__doc__ = f"Run the {name} node alone (ROS arguments after --ros-args)."
    return main
