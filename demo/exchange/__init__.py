"""The city's data-sharing exchange, as the demo runs it: the registers departments share,
and the departments' data sets about residents and enterprises.

It stands in for another system (its records speak its own vocabulary, e.g. its own
``Gender``). It runs as its own service (``python -m demo.exchange serve``, its own
database, signed requests only, its own access log: ``server.py``, ``access.py``), which
the API reads over HTTP with the product's adapters (``SZ_EXCHANGE_PROVIDER=http``).
With ``embedded`` (most tests) the demo's adapters beside this package
(``demo.liferecord_adapters``, ``demo.identity_adapters``) read these stores inside the
app's own database instead.
"""
