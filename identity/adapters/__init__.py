"""Identity's adapters: everything that talks to another system, each with its Protocol.

Services depend on the Protocols; the development stand-ins (``DevelopmentOnly``) sit
beside them, and the demo exchange's adapters live in ``demo/``.
"""
