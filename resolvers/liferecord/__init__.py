"""Life record operations: ``me.lifeRecord`` and ``refreshLifeRecord``."""
