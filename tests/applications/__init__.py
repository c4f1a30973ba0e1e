"""Tests of the applications domain."""
