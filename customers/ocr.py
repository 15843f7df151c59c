"""Reading an identity card image (OCR), optional: an engine when one is installed, else none.

LoanHub adds no dependency for this. An engine that runs offline may be installed beside it:
RapidOCR (`rapidocr_onnxruntime`, whose wheel carries its models) or Tesseract with Debian's
Chinese model (`tesseract-ocr-chi-sim`). Nothing is downloaded at run time. When neither is
present, `engine()` returns the `NullEngine`, which reads nothing, and the pages simply ask the
customer to type their details (as they always may). What an engine reads is only a suggestion
for the customer to confirm; it is never stored as verified data.

The card's text is parsed by `parse_identity_card`, the same for every engine.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

# The 18-character resident identity number (GB 11643-1999): 17 digits and a digit or X.
ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9])")
# Labels printed on the front of a second-generation resident identity card.
NAME = re.compile(r"姓\s*名\s*[:：]?\s*(\S+)")
ADDRESS = re.compile(r"住\s*址\s*[:：]?\s*(.+)")
MAX_IMAGE_BYTES = 10 * 1024 * 1024


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


class RapidOcrEngine:  # pragma: no cover - used only where rapidocr_onnxruntime is installed
    name = "rapidocr"

    def read_text(self, image: bytes) -> str:
        from rapidocr_onnxruntime import RapidOCR

        result, _elapsed = RapidOCR()(image)
        return "\n".join(line[1] for line in result or ())


class TesseractEngine:  # pragma: no cover - used only where tesseract is installed
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
    if importlib.util.find_spec("rapidocr_onnxruntime") is not None:
        return RapidOcrEngine()
    if shutil.which("tesseract") is not None:
        return TesseractEngine()
    return NullEngine()


def parse_identity_card(text: str) -> CardFields:
    """Name, identity number and address from the text of the card's front."""
    number = ID_NUMBER.search(text.replace(" ", ""))
    name = NAME.search(text)
    address = ADDRESS.search(text)
    return CardFields(
        legal_name=name.group(1)[:200] if name else "",
        id_number=number.group(1).upper() if number else "",
        address=address.group(1).strip()[:200] if address else "",
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
        return CardFields()
