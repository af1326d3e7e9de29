"""Benchmarks: ``make bench`` (or ``python -m bench``). Each prints a ratio to a baseline
measured in the same run, so figures compare across machines."""
