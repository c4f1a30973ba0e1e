"""Adapter slots of the applications domain: what it needs from other domains and the world."""
