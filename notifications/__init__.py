"""Notifications: the outbox consumer, the inbox, devices, push channels and preferences."""
