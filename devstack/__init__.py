"""Development and test servers: SecantusDB, SeaweedFS and Redis as child processes.

Development-only: never part of the production image. The servers run as separate
processes (SecantusDB and SeaweedFS are GPL-licensed; nothing here imports them).
"""
