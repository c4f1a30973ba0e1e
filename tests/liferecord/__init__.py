"""Tests of the life record."""
