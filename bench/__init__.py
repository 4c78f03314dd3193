"""Benchmarks: run as modules (``python -m bench.status_latency``), never collected as tests."""
