"""The licence wallet: sealed e-licences of citizens and enterprises (电子证照)."""
