"""Masked forms of personal data: enough for its owner to recognise, not to use.

Logs, stored sessions and answers about other people carry these forms only.
"""

from __future__ import annotations

import ipaddress


def mask_phone(phone: str) -> str:
    """``+8613907330001`` → ``139****0001``: enough to recognise, not to dial."""
    digits = phone.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def mask_name(name: str) -> str:
    """``刘建军`` → ``刘*军``, ``周婷`` → ``周*``: recognisable to its owner only."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1) if len(name) == 2 else "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """``430204198405122130`` → ``4302**********2130``: region and last four only."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_ip(address: str | None) -> str:
    """Drop the host part: ``203.0.113.7`` → ``203.0.113.x``; IPv6 keeps its /48."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 4:
        return ".".join([*str(ip).split(".")[:3], "x"])
    network = ipaddress.ip_network(f"{ip}/48", strict=False)
    return f"{network.network_address}/48"
