"""Adapters of the applications domain: object storage, and the slots other domains fill."""
