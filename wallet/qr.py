"""Show-codes as QR codes (segno): SVG for screens, PNG for anything else."""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "M"
"""15 % of the code may be lost (a scratched screen, a glare) and it still reads."""


def qr_code(token: str) -> segno.QRCode:
    """The QR code of ``token`` (base45 text, so segno picks the alphanumeric mode)."""
    return segno.make_qr(token, error=ERROR_LEVEL, boost_error=False)


def qr_svg(token: str, *, scale: int = 4) -> str:
    """An SVG document of the QR code, with its quiet zone."""
    out = io.BytesIO()
    qr_code(token).save(out, kind="svg", scale=scale, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def qr_png(token: str, *, scale: int = 4) -> bytes:
    """A PNG of the QR code, with its quiet zone (``scale`` pixels per module)."""
    out = io.BytesIO()
    qr_code(token).save(out, kind="png", scale=scale)
    return out.getvalue()
