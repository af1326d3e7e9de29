"""The pure-Python process core: definitions, criteria, the YAML loader and the gate engine.

Nothing in this package imports Django or any Traseu app; the import-linter contract in
``pyproject.toml`` keeps it that way, so the rules here can run in the CLI, in benchmarks and in
tests without a database.
"""
