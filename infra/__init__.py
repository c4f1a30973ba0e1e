"""Adapters to the servers every domain shares (object storage, client factories).

Imports nothing of the project's own; domain packages and the composition root use it.
"""
