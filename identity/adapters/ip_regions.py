"""Where a client address is, coarsely, for the session list."""

from __future__ import annotations

import ipaddress
from typing import Protocol

from kit.text import Localized

LOCAL = Localized("本地网络", "Local network")
UNKNOWN = Localized("未知地区", "Unknown region")


class IpRegions(Protocol):
    """Looks up a coarse region (province/city) of an IP address."""

    def region_of(self, address: str | None) -> Localized:
        """The region, or "unknown"."""


class OfflineIpRegions:
    """Knows only loopback/private ranges; everything else is "unknown".

    PARTIAL: a real deployment plugs in the city's IP-geolocation database here.
    """

    def region_of(self, address: str | None) -> Localized:
        """Local network for private and loopback addresses, otherwise unknown."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return UNKNOWN
        return LOCAL if ip.is_private or ip.is_loopback else UNKNOWN
