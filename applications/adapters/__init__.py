"""The applications domain's adapters to the world outside (object storage)."""
