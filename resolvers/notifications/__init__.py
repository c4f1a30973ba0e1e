"""Resolvers of the notifications domain: the inbox, preferences, devices, operations."""
