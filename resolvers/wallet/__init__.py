"""Resolvers of the licence wallet."""
