"""Packaging: the project's top-level folders install under the one name ``adloom``.

The folders ``agents/``, ``tools/``, ``graphs/``, ``storage/``, ``prompts/`` and ``evals/``
sit at the top of the repository, as the design card fixes them, but are imported as
``adloom.agents``, ``adloom.tools`` and so on, so the wheel adds only ``adloom`` to
site-packages and cannot collide with another distribution's ``agents`` or ``tools``.
Everything else about the build is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

FOLDERS = ("agents", "tools", "graphs", "storage", "prompts", "evals")

packages = find_packages(include=["adloom", "adloom.*"])
package_dir = {"adloom": "adloom"}
for folder in FOLDERS:
    packages += [f"adloom.{package}" for package in find_packages(include=[folder, f"{folder}.*"])]
    package_dir[f"adloom.{folder}"] = folder

setup(packages=packages, package_dir=package_dir)
