"""The wallet's collections besides ``licences`` (see :mod:`wallet.repository`)."""
