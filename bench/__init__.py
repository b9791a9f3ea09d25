"""Benchmarks: run them as scripts, e.g. `.venv/bin/python bench/complete_task.py`."""
