"""Notifications: from domain events to the inbox, push channels and live subscriptions."""
