"""Accounts, sign-in, tokens, real-name and real-person verification, enterprises and agents."""
