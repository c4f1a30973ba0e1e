"""Accounts, sign-in, tokens, real-name and real-person verification, enterprises and agents.

The rooms, as in every domain: ``models`` (records and pure helpers), ``errors``,
``repositories/`` (the only modules that speak to MongoDB or Redis), ``services/``
(the rules), ``adapters/`` (SMS, carrier, registers, IP regions, liveness and
mini-program vendors, each with its Protocol) and ``wiring`` (builds it all).
"""
