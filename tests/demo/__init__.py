"""Tests of the demo: its data, its exchange, its adapters and its commands."""
