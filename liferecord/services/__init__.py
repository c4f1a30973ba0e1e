"""The life record's rules: reading it, prefill, disputes, the access log, the enterprise record."""
