"""Reading the identity card is optional: the null engine reads nothing; any engine's text is
parsed the same way; a failing engine never fails the upload."""

from __future__ import annotations

from customers import ocr
from tests.customers.factories import GB_EXAMPLE_RIC, PNG_BYTES


class FakeEngine:
    name = "fake"

    def __init__(self, text: str = "", error: Exception | None = None):
        self.text, self.error = text, error

    def read_text(self, image: bytes) -> str:
        if self.error:
            raise self.error
        return self.text


def test_without_an_installed_engine_nothing_is_read():
    # Neither RapidOCR nor tesseract is a dependency of LoanHub (nor installed on CI).
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
