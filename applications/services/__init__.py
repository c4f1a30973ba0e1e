"""The applications domain's rules."""
