"""Identity's rules: sign-in, real-name and real-person verification, enterprises, mini-programs.

Each service receives its repositories and adapters through its constructor (see
:mod:`identity.wiring`) and imports no database or Redis driver.
"""
