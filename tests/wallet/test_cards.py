"""Licence pictures: Chinese drawn with the embedded CJK font (never tofu), the QR code
and the seal mark on the PNG card and the PDF page."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageFont

from tests.wallet.test_licences import business_licence, resident_id
from wallet import cards
from wallet.models import SCHEMAS, Licence, LicenceStatus, Seal
from wallet.service import IssueRequest

TODAY = date(2026, 12, 2)
NOTDEF = "\U000f0000"
"""A private-use code point no font here has: drawn as the font's .notdef glyph."""
CARD_TEXT = (
    "证照编号发证机关签发日期有效期至状态长期有效已暂停已吊销已过期电子证照电子印章"
    "扫码在智慧株洲中查看核验方式出示亮证码由核验方扫码离线使用公布的公钥签章算法密钥签名"
    "株洲市场监督管理局公安局自然资源和规划局民政局住房公积金中心芦淞区建设中路号刘建军湘第"
)


def licence_of(request: IssueRequest, **changes: object) -> Licence:
    """The licence ``request`` would issue (a made-up seal: pictures do not check it)."""
    fields: dict[str, str | int] = {}
    for name, value in request.fields.items():
        assert isinstance(value, str | int | date)
        fields[name] = value.isoformat() if isinstance(value, date) else value
    licence = Licence(
        uri=f"urn:zhuzhou:licence:{request.issuer}:{request.type.value}:{'0' * 32}",
        type=request.type,
        holder=request.holder,
        issuer=request.issuer,
        number=request.number,
        issued_on=request.issued_on,
        expires_on=request.expires_on,
        fields=fields,
        seal=Seal(alg="SM2-SM3", kid="kV3n1_SM2_thumbprint_of_the_key_00", signature="MEUC" * 20),
    )
    return dataclasses.replace(licence, **changes)  # type: ignore[arg-type]


def _mask(face: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> bytes:
    return bytes(face.getmask(text))


def _card(licence: Licence) -> Image.Image:
    png = cards.render_png(licence, issuer_name="株洲市市场监督管理局", today=TODAY)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def _count(mask: Image.Image) -> int:
    """How many pixels of a black-and-white mask are set."""
    return mask.convert("L").histogram()[255]


def _differs(a: Image.Image, b: Image.Image) -> int:
    """How many pixels differ between two pictures of one size."""
    return _count(ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0))


def test_the_embedded_font_draws_every_chinese_character_of_the_cards_not_tofu() -> None:
    # given the embedded face, and the glyph it draws for a character it lacks
    face = cards.font(40)
    assert face.getname() == ("Noto Sans CJK SC", "Regular")
    notdef = _mask(face, NOTDEF)
    assert any(notdef), "the .notdef glyph (a box) is visible, so the comparison means something"
    # when every Chinese character a card or its page can draw is rendered
    text = CARD_TEXT + "".join(
        schema.name.zh + "".join(spec.label.zh for spec in schema.fields)
        for schema in SCHEMAS.values()
    )
    # then each is a real glyph: inked, and not the .notdef box
    for char in sorted({c for c in text if ord(c) > 0x2E80}):
        glyph = _mask(face, char)
        assert any(glyph), char
        assert glyph != notdef, f"{char} (U+{ord(char):04X}) renders as tofu"


def test_a_font_without_chinese_would_draw_tofu_which_the_check_above_catches() -> None:
    # given a font without CJK glyphs (Pillow's own)
    latin = ImageFont.load_default(40)
    # then a Chinese character is its .notdef: the check above would fail with it
    assert _mask(latin, "营") == _mask(latin, NOTDEF)


def test_the_card_is_a_png_whose_chinese_title_is_not_tofu(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a business licence drawn with the embedded font
    licence = licence_of(business_licence())
    card = _card(licence)
    assert card.size == cards.CARD_SIZE
    # when the same card is drawn with a font that has no Chinese glyphs
    monkeypatch.setattr(cards, "font", lambda size: ImageFont.load_default(size))
    tofu = _card(licence)
    # then the title "营业执照" differs from its tofu rendering
    title = _differs(card.crop(cards.TITLE_BOX), tofu.crop(cards.TITLE_BOX))
    assert title > 500, title


def test_the_cards_qr_code_holds_the_licences_deep_link() -> None:
    # given
    licence = licence_of(resident_id())
    # when
    card = _card(licence)
    # then the QR area is exactly the QR code of the app's link to the licence
    size = cards.QR_BOX[2] - cards.QR_BOX[0]
    expected = cards.qr_image(cards.deep_link(licence), size)
    assert _differs(card.crop(cards.QR_BOX), expected) == 0
    assert cards.deep_link(licence) == (
        "smartzhuzhou://wallet/urn%3Azhuzhou%3Alicence%3A430200-GA%3Aresident_id%3A" + "0" * 32
    )


def _red(image: Image.Image) -> int:
    """How many pixels are seal red (or its translucent stamp): red well above green."""
    red, green, _ = image.split()
    reddish = ImageChops.subtract(red, green).point(lambda v: 255 if v > 60 else 0)
    return _count(reddish)


@pytest.mark.parametrize(
    "status", [LicenceStatus.REVOKED, LicenceStatus.SUSPENDED], ids=lambda s: s.value
)
def test_a_licence_that_is_not_valid_carries_a_stamp(status: LicenceStatus) -> None:
    # given the same licence, valid and not
    valid = licence_of(resident_id())
    stamped = dataclasses.replace(valid, status=status)
    # when both are drawn
    middle = (300, 200, 980, 600)
    before, after = _card(valid).crop(middle), _card(stamped).crop(middle)
    # then the stamp (red, across the middle) is only on the one that is not valid
    assert _red(before) < 50
    assert _red(after) > 5_000


def test_an_expired_licence_is_stamped_expired() -> None:
    expired = licence_of(resident_id(), expires_on=date(2025, 1, 1))
    assert _red(_card(expired).crop((300, 200, 980, 600))) > 5_000


def test_the_seal_mark_is_drawn_in_seal_red() -> None:
    card = _card(licence_of(business_licence()))
    seal_area = (cards.CARD_SIZE[0] - 320, cards.CARD_SIZE[1] - 280, *cards.CARD_SIZE)
    assert _red(card.crop(seal_area)) > 2_000


def test_the_pdf_is_one_a4_page_with_the_card_its_qr_code_and_seal() -> None:
    # given
    licence = licence_of(business_licence())
    # when
    pdf = cards.render_pdf(licence, issuer_name="株洲市市场监督管理局", today=TODAY)
    # then one A4 page (595 × 842 points), titled with the licence's type
    assert pdf.startswith(b"%PDF-")
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)
    assert document.get_metadata_dict()["Title"] == "营业执照 Business licence"
    # and, drawn, it shows the seal's red and the large QR code's black and white
    page = document[0].render(scale=2).to_pil().convert("RGB")
    assert _red(page) > 2_000
    qr_area = page.crop(
        tuple(round(v * page.width / cards.A4_PIXELS[0]) for v in (120, 1400, 640, 1920))
    )
    dark = _count(qr_area.convert("L").point(lambda v: 255 if v < 80 else 0))
    assert 0.3 < dark / (qr_area.width * qr_area.height) < 0.7, "a QR code is about half dark"
