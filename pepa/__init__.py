"""PEPA: persistent, personality-driven autonomy for mobile robots.

The distribution installs one top-level package; its subpackages are the project's top-level
folders (``agent/``, ``memory/``, ``personalities/``, ``sim/``), linked in here so that the
source tree keeps the layout of the architecture (see docs/architecture.md, "Packaging").
"""
