"""The applications domain's queries and mutations."""
