"""A tiny text-only PDF 1.4 writer (no dependency): lines of text on A4 pages, Chinese included.

The text is set in 'STSong-Light', one of the CJK fonts every PDF viewer must know without the
file embedding it (PDF 1.4 reference, 5.9 "Predefined CMaps" and Adobe technical note #5094),
through the predefined CMap 'UniGB-UCS2-H': each character is written as its two-byte UCS-2 code,
so a string is hex (`<4F60597D>` for 你好). reportlab's `UnicodeCIDFont('STSong-Light')` does the
same; we keep only what a contract needs: a title, headings and plain lines, wrapped by width.

Characters outside the Basic Multilingual Plane are replaced by '?' (UCS-2 cannot carry them).
The output is deterministic (no dates in the file) so tests can compare it.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
FONT = "STSong-Light"
CMAP = "UniGB-UCS2-H"
# Advance widths in 1/1000 em of STSong-Light's proportional Latin glyphs, CIDs 1-95, which
# UniGB-UCS2-H gives to U+0020-U+007E (the font's metrics, as reportlab's _cidfontdata.py lists
# them). Every other character is drawn at the default width, 1000 (/DW). The descendant font
# states the same /W, so the lines we wrap are the lines the viewer draws.
LATIN_WIDTHS = (
    (207, 270, 342, 467, 462, 797, 710, 239, 374, 374, 423, 605, 238, 375, 238, 334)
    + (462,) * 10
    + (238, 238, 605, 605, 605)
    + (344, 748, 684, 560, 695, 739, 563, 511, 729, 793, 318, 312, 666, 526, 896, 758, 772)
    + (544, 772, 628, 465, 607, 753, 711, 972, 647, 620, 607, 374, 333, 374, 606, 500, 239)
    + (417, 503, 427, 529, 415, 264, 444, 518, 241, 230, 495, 228, 793, 527, 524)
    + (524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407, 370, 258, 370, 605)
)
assert len(LATIN_WIDTHS) == 95


@dataclass(frozen=True)
class Line:
    text: str
    size: float = 10
    bold: bool = False  # drawn with a slight stroke (the base font has no bold face)
    space_before: float = 0


def _char_width(char: str) -> int:
    code = ord(char)
    return LATIN_WIDTHS[code - 0x20] if 0x20 <= code <= 0x7E else 1000


def text_width(text: str, size: float) -> float:
    return sum(_char_width(c) for c in text) * size / 1000


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points: at spaces when there are any, and
    between any two CJK characters (Chinese has no spaces)."""
    lines: list[str] = []
    current = ""
    for char in text:
        candidate = current + char
        if text_width(candidate, size) <= width or not current:
            current = candidate
            continue
        cut = current.rfind(" ")
        if cut > 0 and char != " " and ord(char) <= 0x7E:
            lines.append(current[:cut])
            current = current[cut + 1 :] + char
        else:
            lines.append(current.rstrip())
            current = char.lstrip()
    if current or not lines:
        lines.append(current)
    return lines


def _hex(text: str) -> str:
    codes = []
    for char in text:
        code = ord(char)
        codes.append(f"{code if code <= 0xFFFF else ord('?'):04X}")
    return "<" + "".join(codes) + ">"


def _page_streams(lines: list[Line]) -> list[bytes]:
    """Lay the lines out top to bottom, a new page when one is full."""
    usable = PAGE_WIDTH - 2 * MARGIN
    pages: list[list[str]] = [[]]
    y = PAGE_HEIGHT - MARGIN
    for line in lines:
        for index, part in enumerate(wrap(line.text, line.size, usable)):
            leading = line.size * 1.45 + (line.space_before if index == 0 else 0)
            if y - leading < MARGIN:
                pages.append([])
                y = PAGE_HEIGHT - MARGIN
                leading = line.size * 1.45
            y -= leading
            render = "2 Tr 0.3 w " if line.bold else "0 Tr "
            pages[-1].append(
                f"BT /F1 {line.size:g} Tf {render}1 0 0 1 {MARGIN} {y:.2f} Tm {_hex(part)} Tj ET"
            )
    return ["\n".join(ops).encode("ascii") for ops in pages]


def render(lines: list[Line], *, title: str = "") -> bytes:
    """The PDF file (bytes) of `lines`."""
    streams = _page_streams(lines)
    objects: list[bytes] = []  # objects[i] is object number i + 1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the pages object's number is known
    pages = add(b"")
    font = add(
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{FONT} /Encoding /{CMAP}"
        f" /DescendantFonts [{len(objects) + 2} 0 R] >>".encode()
    )
    descriptor = add(
        f"<< /Type /FontDescriptor /FontName /{FONT} /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0"
        " /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".encode()
    )
    descendant = add(
        f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT}"
        " /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        f" /FontDescriptor {descriptor} 0 R /DW 1000"
        f" /W [1 [{' '.join(map(str, LATIN_WIDTHS))}]] >>".encode()
    )
    assert descendant == font + 2
    kids = []
    for stream in streams:
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
                f" /Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
    objects[pages - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {len(kids)} >>".encode()
    )
    info = add(
        f"<< /Title <FEFF{_hex(title)[1:-1]}> /Producer (LoanHub) >>".encode()
        if title
        else b"<< /Producer (LoanHub) >>"
    )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)
