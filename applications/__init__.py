"""Online applications: the service catalogue (办事指南), one-thing bundles (一件事), cases
and their deadlines in working days."""
