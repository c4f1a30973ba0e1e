"""Tests of the department directory domain."""
