"""Pictures of a licence: a PNG card, and a PDF page with its QR code and seal mark.

For people who would rather look than read. The card shows the licence's type, its
document number and typed fields with their Chinese labels, the issuing department,
the dates and the status (a licence that is not valid carries a stamp saying why), a
QR code and the department's seal mark. The QR code holds the licence's deep link
(``smartzhuzhou://wallet/<uri>``): scanned in the app it opens the licence, whose
live show-code is what a verifier checks. The picture itself proves nothing; the seal
does (its algorithm and key id are printed under the mark, the signature on the PDF).

Chinese text is drawn with Noto Sans CJK SC, a font the project installs from PyPI
(``noto-cjk-sans-otc``, SIL Open Font License), so it renders the same on every
machine and in the image, never as empty boxes. Everything is drawn in memory with
Pillow; the PDF is one A4 page of the same drawing (200 dpi).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw, ImageFont

from wallet.models import SCHEMAS, HolderKind, Licence, LicenceStatus

FONT_PACKAGE = "noto_cjk_sans_otc"
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_FAMILY = "Noto Sans CJK SC"
"""The face of the collection drawn with: simplified Chinese glyph shapes."""

DEEP_LINK_PREFIX = "smartzhuzhou://wallet/"
CARD_SIZE = (1280, 808)
"""Width and height in pixels at scale 1 (the ID-1 card's proportions)."""
PDF_DPI = 200
A4_PIXELS = (round(210 / 25.4 * PDF_DPI), round(297 / 25.4 * PDF_DPI))

TITLE_BOX = (40, 14, 860, 74)
"""Where the type's Chinese name is drawn, at scale 1 (left, top, right, bottom)."""
QR_BOX = (940, 146, 1240, 446)
"""Where the QR code is, at scale 1 (left, top, right, bottom)."""

_PAPER = (251, 248, 241)
_INK = (33, 33, 33)
_MUTED = (110, 110, 110)
_SEAL_RED = (200, 16, 32)
_BANDS = {HolderKind.CITIZEN: (31, 90, 166), HolderKind.ENTERPRISE: (150, 36, 36)}
_STATUS_STAMPS = {
    LicenceStatus.SUSPENDED: ("已暂停", "SUSPENDED"),
    LicenceStatus.REVOKED: ("已吊销", "REVOKED"),
    LicenceStatus.EXPIRED: ("已过期", "EXPIRED"),
}
_STATUS_NAMES = {
    LicenceStatus.VALID: "有效",
    LicenceStatus.SUSPENDED: "已暂停",
    LicenceStatus.REVOKED: "已吊销",
    LicenceStatus.EXPIRED: "已过期",
}


class FontMissing(RuntimeError):
    """The CJK font is not installed (the project's lock file installs it)."""


def font_path() -> Path:
    """Where the installed CJK font collection is; :class:`FontMissing` if it is not."""
    try:
        path = Path(str(files(FONT_PACKAGE).joinpath(FONT_FILE)))
    except ModuleNotFoundError:
        raise FontMissing(f"{FONT_PACKAGE} is not installed: run scripts/bootstrap.sh") from None
    if not path.is_file():
        raise FontMissing(f"{path} is missing: reinstall {FONT_PACKAGE}")
    return path


@cache
def _face_index() -> int:
    """The index of the simplified Chinese face in the collection."""
    path = str(font_path())
    for index in range(16):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if face.getname()[0] == FONT_FAMILY:
            return index
    raise FontMissing(f"{FONT_FAMILY} is not in {path}")


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels (loaded once per size)."""
    return ImageFont.truetype(str(font_path()), size, index=_face_index())


def deep_link(licence: Licence) -> str:
    """The app's link to the licence (what the card's QR code holds)."""
    return DEEP_LINK_PREFIX + quote(licence.uri, safe="")


def qr_image(data: str, size: int) -> Image.Image:
    """A black-on-white QR code of ``data`` (error correction M), ``size`` pixels square."""
    code = segno.make(data, error="m", micro=False)
    rows = [[0 if dark else 255 for dark in row] for row in code.matrix_iter(border=2)]
    modules = Image.new("L", (len(rows[0]), len(rows)))
    modules.putdata([value for row in rows for value in row])
    return modules.resize((size, size), Image.Resampling.NEAREST).convert("RGB")


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    value: str


def _rows(licence: Licence, issuer_name: str, status: LicenceStatus) -> list[_Row]:
    schema = SCHEMAS[licence.type]
    rows = [_Row("证照编号", licence.number)]
    for spec in schema.fields:
        value = licence.fields.get(spec.name)
        if value is not None:
            rows.append(_Row(spec.label.zh, str(value)))
    rows.append(_Row("发证机关", issuer_name))
    rows.append(_Row("签发日期", licence.issued_on.isoformat()))
    expiry = licence.expires_on.isoformat() if licence.expires_on else "长期"
    rows.append(_Row("有效期至", expiry))
    rows.append(_Row("状态", _STATUS_NAMES[status]))
    return rows


def _fit(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """``text`` broken into at most two lines of ``width``, the second cut with an ellipsis."""
    lines: list[str] = []
    current = ""
    for char in text:
        if face.getlength(current + char) > width:
            lines.append(current)
            current = char
            if len(lines) == 2:
                break
        else:
            current += char
    else:
        lines.append(current)
        return lines
    last = lines[1]
    while last and face.getlength(last + "…") > width:
        last = last[:-1]
    return [lines[0], last + "…"]


def _star(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        points.append((centre[0] + r * math.cos(angle), centre[1] - r * math.sin(angle)))
    draw.polygon(points, fill=_SEAL_RED)


def seal_mark(department: str, alg: str, kid: str, diameter: int) -> Image.Image:
    """The department's seal mark: a red ring, a star, its name and the key that signed.

    A transparent RGBA picture to lay over the card (the signature is what counts).
    """
    mark = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    draw = ImageDraw.Draw(mark)
    ring = max(4, diameter // 40)
    draw.ellipse((ring, ring, diameter - ring, diameter - ring), outline=_SEAL_RED, width=ring)
    centre = diameter / 2
    _star(draw, (centre, centre * 0.72), diameter * 0.14)
    size = max(10, diameter // 11)
    while size > 10 and font(size).getlength(department) > diameter * 0.74:
        size -= 1
    name_face = font(size)
    name = _fit(department, name_face, diameter * 0.74)[0]
    draw.text((centre, centre * 1.18), name, font=name_face, fill=_SEAL_RED, anchor="mm")
    small = font(max(9, diameter // 20))
    draw.text((centre, centre * 1.42), "电子印章", font=small, fill=_SEAL_RED, anchor="mm")
    draw.text((centre, centre * 1.56), alg, font=small, fill=_SEAL_RED, anchor="mm")
    kid_face = font(max(8, diameter // 26))
    kid_text = _fit(kid, kid_face, diameter * 0.6)[0]
    draw.text((centre, centre * 1.68), kid_text, font=kid_face, fill=_SEAL_RED, anchor="mm")
    return mark


def _stamp(card: Image.Image, status: LicenceStatus, scale: float) -> None:
    zh, en = _STATUS_STAMPS[status]
    layer = Image.new("RGBA", card.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    width, height = card.size
    big, small = font(round(120 * scale)), font(round(40 * scale))
    draw.text(
        (width / 2, height / 2 - 30 * scale), zh, font=big, fill=(*_SEAL_RED, 150), anchor="mm"
    )
    draw.text(
        (width / 2, height / 2 + 70 * scale), en, font=small, fill=(*_SEAL_RED, 150), anchor="mm"
    )
    card.alpha_composite(
        layer.rotate(18, resample=Image.Resampling.BICUBIC, center=(width / 2, height / 2))
    )


def card_image(
    licence: Licence, *, issuer_name: str, today: date, scale: float = 1.0
) -> Image.Image:
    """The licence drawn as a card (RGB), ``scale`` times :data:`CARD_SIZE`."""

    def px(value: float) -> int:
        return round(value * scale)

    schema = SCHEMAS[licence.type]
    status = licence.status_on(today)
    width, height = px(CARD_SIZE[0]), px(CARD_SIZE[1])
    card = Image.new("RGBA", (width, height), (*_PAPER, 255))
    draw = ImageDraw.Draw(card)
    band = _BANDS[licence.holder.kind]
    draw.rectangle((0, 0, width, px(120)), fill=band)
    draw.rectangle((0, height - px(10), width, height), fill=band)
    draw.text((px(TITLE_BOX[0]), px(TITLE_BOX[1])), schema.name.zh, font=font(px(48)), fill="white")
    draw.text((px(42), px(78)), schema.name.en, font=font(px(24)), fill=(225, 230, 240))
    draw.text((width - px(40), px(44)), "电子证照", font=font(px(30)), fill="white", anchor="rm")
    draw.text(
        (width - px(40), px(86)),
        "Electronic licence",
        font=font(px(18)),
        fill=(225, 230, 240),
        anchor="rm",
    )
    label_face, value_face = font(px(21)), font(px(26))
    y = px(146)
    value_width = px(860 - 250)
    for row in _rows(licence, issuer_name, status):
        lines = _fit(row.value, value_face, value_width)
        if y + px(40) * len(lines) > height - px(60):
            break
        draw.text((px(40), y + px(4)), row.label, font=label_face, fill=_MUTED)
        for line in lines:
            draw.text((px(250), y), line, font=value_face, fill=_INK)
            y += px(38)
        y += px(8)
    qr_size = px(QR_BOX[2] - QR_BOX[0])
    card.paste(qr_image(deep_link(licence), qr_size), (px(QR_BOX[0]), px(QR_BOX[1])))
    draw.text(
        (px(QR_BOX[0]) + qr_size / 2, px(QR_BOX[3]) + px(10)),
        "扫码在智慧株洲中查看",
        font=font(px(18)),
        fill=_MUTED,
        anchor="mt",
    )
    diameter = px(230)
    mark = seal_mark(issuer_name, licence.seal.alg, licence.seal.kid, diameter)
    card.alpha_composite(mark, (width - px(75) - diameter, height - px(30) - diameter))
    draw.text((px(40), height - px(42)), licence.uri, font=font(px(16)), fill=_MUTED)
    if status in _STATUS_STAMPS:
        _stamp(card, status, scale)
    return card.convert("RGB")


def render_png(licence: Licence, *, issuer_name: str, today: date) -> bytes:
    """The card as PNG bytes (1280 × 808)."""
    buffer = io.BytesIO()
    card_image(licence, issuer_name=issuer_name, today=today).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


def render_pdf(licence: Licence, *, issuer_name: str, today: date) -> bytes:
    """One A4 page: the card, a large QR code, and how to check the seal."""
    page = Image.new("RGB", A4_PIXELS, "white")
    draw = ImageDraw.Draw(page)
    margin = 120
    schema = SCHEMAS[licence.type]
    draw.text((margin, 110), f"电子证照 · {schema.name.zh}", font=font(56), fill=_INK)
    draw.text((margin, 190), f"Electronic licence · {schema.name.en}", font=font(30), fill=_MUTED)
    scale = (A4_PIXELS[0] - 2 * margin) / CARD_SIZE[0]
    card = card_image(licence, issuer_name=issuer_name, today=today, scale=scale)
    page.paste(card, (margin, 270))
    top = 270 + card.height + 90
    qr_size = 520
    page.paste(qr_image(deep_link(licence), qr_size), (margin, top))
    left = margin + qr_size + 60
    lines = [
        ("核验方式 How to verify", font(34), _INK),
        ("在智慧株洲中出示亮证码，由核验方扫码核验；", font(26), _INK),
        ("离线核验使用公布的公钥 /.well-known/seals.json。", font(26), _INK),
        ("Show the licence's live show-code in the app; offline", font(24), _MUTED),
        ("checkers use the published keys /.well-known/seals.json.", font(24), _MUTED),
        ("", font(20), _INK),
        (f"签章算法 Seal: {licence.seal.alg}", font(24), _INK),
        (f"密钥 Key id: {licence.seal.kid}", font(24), _INK),
        (f"签名 Signature: {licence.seal.signature[:24]}…", font(24), _INK),
        (f"发证机关 Issuer: {issuer_name}", font(24), _INK),
    ]
    y = top
    for text, face, fill in lines:
        draw.text(
            (left, y), _fit(text, face, A4_PIXELS[0] - margin - left)[0], font=face, fill=fill
        )
        y += round(face.size * 1.6)
    draw.text((margin, top + qr_size + 40), licence.uri, font=font(24), fill=_MUTED)
    buffer = io.BytesIO()
    page.save(
        buffer,
        format="PDF",
        resolution=PDF_DPI,
        title=f"{schema.name.zh} {schema.name.en}",
        producer="Smart Zhuzhou",
    )
    return buffer.getvalue()
