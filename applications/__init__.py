"""Online applications: the service catalogue, one-thing bundles, cases and their deadlines."""
