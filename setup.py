"""Only what pyproject.toml cannot say: the top-level templates/ ships as migrate.templates."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["migrate", "migrate.*"]), "migrate.templates"],
    package_dir={"migrate.templates": "templates"},
)
