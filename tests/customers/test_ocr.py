"""Reading the identity card is optional: the null engine reads nothing; any engine's text is
parsed the same way; a failing engine never fails the upload."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest import CJK_FONT
from customers import ocr
from tests.customers.factories import GB_EXAMPLE_RIC, PNG_BYTES, make_ric

# Debian's fonts-wqy-microhei (`make browser` and .ci/run install it).
WQY_FONT = Path(CJK_FONT)


class FakeEngine:
    name = "fake"

    def __init__(self, text: str = "", error: Exception | None = None):
        self.text, self.error = text, error

    def read_text(self, image: bytes) -> str:
        if self.error:
            raise self.error
        return self.text


def test_without_an_installed_engine_nothing_is_read(monkeypatch):
    # Given a machine where neither RapidOCR nor tesseract can be loaded
    monkeypatch.setattr(ocr, "_rapidocr_loads", lambda: False)
    monkeypatch.setattr(ocr.shutil, "which", lambda program: None)
    assert isinstance(ocr.engine(), ocr.NullEngine)
    assert ocr.read_identity_card(PNG_BYTES) == ocr.CardFields()
    assert not ocr.read_identity_card(PNG_BYTES)


def test_the_front_of_a_card_gives_name_number_and_address():
    # The layout of the front of a second-generation card; GB 11643-1999's example number.
    text = "\n".join(
        ["姓名 张三", "性别 男 民族 汉", "出生 1949年12月31日", "住址 北京市朝阳区示例路1号"]
        + [f"公民身份号码 {GB_EXAMPLE_RIC.lower()}"]
    )
    read = ocr.read_identity_card(PNG_BYTES, ocr=FakeEngine(text))
    assert read == ocr.CardFields(
        legal_name="张三", id_number=GB_EXAMPLE_RIC, address="北京市朝阳区示例路1号"
    )


def test_an_engine_that_fails_reads_nothing():
    assert (
        ocr.read_identity_card(PNG_BYTES, ocr=FakeEngine(error=RuntimeError("model missing")))
        == ocr.CardFields()
    )


def test_a_number_whose_check_digit_is_wrong_is_not_offered():
    wrong = GB_EXAMPLE_RIC[:-1] + "1"  # GB 11643-1999's example with its check character changed
    read = ocr.parse_identity_card(f"姓名 张三\n公民身份号码 {wrong}")
    assert read == ocr.CardFields(legal_name="张三")


def test_an_address_wrapped_over_two_lines_is_read_whole():
    text = "姓名 李四\n住址 上海市浦东新区\n世纪大道100号\n公民身份号码 " + GB_EXAMPLE_RIC
    assert ocr.parse_identity_card(text).address == "上海市浦东新区世纪大道100号"


def test_an_upload_that_is_not_an_image_reads_nothing_with_the_real_engine():
    assert ocr.read_identity_card(PNG_BYTES, ocr=ocr.RapidOcrEngine()) == ocr.CardFields()


def _card_image(lines: list[tuple[str, int]]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(WQY_FONT), 30)
    card = Image.new("RGB", (860, 540), (235, 240, 248))  # 85.6 × 54 mm, like the real card
    draw = ImageDraw.Draw(card)
    for text, top in lines:
        draw.text((40, top), text, fill=(20, 20, 20), font=font)
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


@pytest.mark.serial  # onnxruntime takes both cores for a few seconds
@pytest.mark.services("cjk_font")  # skipped without the font locally; CI (services required) fails
def test_the_real_engine_reads_a_rendered_card():
    # Given the front of a card rendered with a Chinese font: a valid number (check digit per
    # GB 11643-1999, computed by the factory), a name and an address
    number = make_ric(birth="19880312", sequence=415)  # 110105: Beijing, Chaoyang
    image = _card_image(
        [
            ("姓名 王小明", 50),
            ("性别 男    民族 汉", 120),
            ("出生 1988年3月12日", 190),
            ("住址 北京市朝阳区建国路100号", 260),
            (f"公民身份号码 {number}", 440),
        ]
    )
    # When the installed engine (RapidOCR, from requirements.txt) reads it
    engine = ocr.engine()
    assert isinstance(engine, ocr.RapidOcrEngine)
    read = ocr.read_identity_card(image)
    # Then every field is offered for the customer to confirm
    assert read == ocr.CardFields(legal_name="王小明", id_number=number, address="北京市朝阳区建国路100号")
