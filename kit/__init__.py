"""The shared kernel: what every domain uses, so that no domain imports another for it.

It imports no domain. Localized text, the domain error base, the rate-limiter protocol,
keyset cursors, the provenance walk and the transactional outbox.
"""
