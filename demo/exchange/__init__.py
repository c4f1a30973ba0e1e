"""The city's data-sharing exchange, as the demo runs it: the registers departments share,
and the departments' data sets about residents and enterprises.

It stands in for another system (its records speak its own vocabulary, e.g. its own
``Gender``): the domains read it only through their adapters' interfaces, whose demo
implementations sit beside this package (``demo.liferecord_adapters``,
``demo.identity_adapters``). This package only stores and looks up the records.
"""
