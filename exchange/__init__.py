"""The city's data-sharing exchange (demo side): the registers departments share.

The population register and the register of legal entities are read by other
domains (identity, life record) through their adapters; this package only stores
and looks up the records.
"""
