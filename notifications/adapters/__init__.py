"""The notifications domain's adapters: Redis (live publishing, the push queue) and the
push providers."""
