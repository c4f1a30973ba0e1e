"""Identity operations: sign-in, tokens, sessions, verification, enterprises."""
