"""What the life record needs of other systems (department sources, the register of legal
entities, the enterprise data sets), and the adapters that speak a real protocol (HTTP)."""
