"""The wallet's adapter slots: what it needs from systems outside the service."""
