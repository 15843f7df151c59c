"""Reading an identity card image (OCR): RapidOCR when it can be loaded, else none.

LoanHub's engine is RapidOCR (`rapidocr_onnxruntime`, pinned in requirements.txt): its wheel
carries its ONNX models, so nothing is downloaded at run time (README, "Design notes"). Tesseract
with Debian's Chinese model (`tesseract-ocr-chi-sim`) is used when it is installed and RapidOCR is
not. When neither can be loaded (e.g. OpenCV without its libGL), `engine()` returns the
`NullEngine`, which reads nothing, and the pages simply ask the customer to type their details (as
they always may). What an engine reads is only a suggestion for the customer to confirm; it is
never stored, and never taken as verified data.

The card's text is parsed by `parse_identity_card`, the same for every engine; an identity number
is offered only when python-stdnum accepts its check digit.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

from stdnum.cn import ric

logger = logging.getLogger(__name__)

# The 18-character resident identity number (GB 11643-1999): 17 digits and a digit or X.
ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9])")
# Labels printed on the front of a second-generation resident identity card.
NAME = re.compile(r"姓\s*名\s*[:：]?\s*(\S+)")
ADDRESS = re.compile(r"住\s*址\s*[:：]?\s*(.+)")
# A line starting with another label ends the address (which may wrap over two lines).
LABEL = re.compile(r"^\s*(姓\s*名|性\s*别|民\s*族|出\s*生|公\s*民|住\s*址|签\s*发|有\s*效)")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Larger photos are scaled down first: the text stays readable and the time stays bounded.
MAX_IMAGE_SIDE = 1600


@dataclass(frozen=True)
class CardFields:
    """What was read from the card; every field may be empty."""

    legal_name: str = ""
    id_number: str = ""
    address: str = ""

    def __bool__(self) -> bool:
        return bool(self.legal_name or self.id_number or self.address)


class OcrEngine(Protocol):
    name: str

    def read_text(self, image: bytes) -> str:
        """The card's text, line by line; "" when nothing could be read."""


class NullEngine:
    """No OCR installed: reads nothing (the customer types their details)."""

    name = "none"

    def read_text(self, image: bytes) -> str:
        return ""


@functools.cache
def _rapidocr():
    """One loaded model per process (loading takes about a second; reading is thread-safe)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


@functools.cache
def _rapidocr_loads() -> bool:
    try:
        _rapidocr()
    except Exception:  # noqa: BLE001 - not installed, or OpenCV/onnxruntime cannot load here
        logger.info("RapidOCR cannot be loaded; identity cards are not read")
        return False
    return True


def _decoded(image: bytes):
    """The image as RGB, scaled down to MAX_IMAGE_SIDE (Pillow refuses what is not an image)."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as opened:
        picture = opened.convert("RGB")
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    return picture


class RapidOcrEngine:
    name = "rapidocr"

    def read_text(self, image: bytes) -> str:
        import numpy as np

        # RapidOCR takes OpenCV's channel order (BGR).
        pixels = np.asarray(_decoded(image))[:, :, ::-1]
        result, _elapsed = _rapidocr()(np.ascontiguousarray(pixels))
        return "\n".join(line[1] for line in result or ())


class TesseractEngine:  # pragma: no cover - used only where tesseract is installed and RapidOCR is not
    name = "tesseract"

    def read_text(self, image: bytes) -> str:
        done = subprocess.run(  # noqa: S603 - a fixed program and arguments; the image on stdin
            ["tesseract", "stdin", "stdout", "-l", "chi_sim"],
            input=image,
            capture_output=True,
            timeout=30,
            check=False,
        )
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def engine() -> OcrEngine:
    """The installed engine, RapidOCR first; the NullEngine when there is none."""
    if _rapidocr_loads():
        return RapidOcrEngine()
    if shutil.which("tesseract") is not None:
        return TesseractEngine()
    return NullEngine()


def _address(lines: list[str]) -> str:
    for index, line in enumerate(lines):
        found = ADDRESS.search(line)
        if found:
            parts = [found.group(1).strip()]
            # The address wraps onto the next line unless that line starts another field.
            for following in lines[index + 1 : index + 3]:
                if LABEL.match(following) or ID_NUMBER.search(following.replace(" ", "")):
                    break
                parts.append(following.strip())
            return "".join(parts)[:200]
    return ""


def _id_number(text: str) -> str:
    """The first 18-character number on the card whose check digit is right (python-stdnum)."""
    for found in ID_NUMBER.finditer(text.replace(" ", "")):
        number = found.group(1).upper()
        if ric.is_valid(number):
            return number
    return ""


def parse_identity_card(text: str) -> CardFields:
    """Name, identity number and address from the text of the card's front."""
    name = NAME.search(text)
    lines = [line for line in text.splitlines() if line.strip()]
    return CardFields(
        legal_name=name.group(1)[:200] if name else "",
        id_number=_id_number(text),
        address=_address(lines),
    )


def read_identity_card(image: bytes, *, ocr: OcrEngine | None = None) -> CardFields:
    """What the engine reads on the card (empty CardFields without an engine or on any failure
    of the engine: reading is a convenience, never a reason to refuse an upload)."""
    ocr = ocr or engine()
    if isinstance(ocr, NullEngine) or len(image) > MAX_IMAGE_BYTES:
        return CardFields()
    try:
        return parse_identity_card(ocr.read_text(image))
    except Exception:  # noqa: BLE001 - an optional helper; the customer types instead
        logger.warning("the OCR engine %s could not read an image", ocr.name)
        return CardFields()
