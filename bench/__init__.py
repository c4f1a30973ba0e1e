"""Benchmarks: one command each, loopback only, every server they start is stopped."""
