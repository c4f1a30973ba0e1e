"""Composition root: settings, server clients, the FastAPI application and the CLI."""
