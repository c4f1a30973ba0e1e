"""Online applications: the service catalogue (办事指南) and one-thing bundles (一件事)."""
