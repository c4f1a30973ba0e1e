"""The city's directory of departments and public-utility companies."""
