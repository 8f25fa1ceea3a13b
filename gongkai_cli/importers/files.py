"""What a file to import really is, checked before any parser sees it, and the limits every reader keeps.

A reader trusts nothing about its file: the name may lie (a .doc renamed .docx, an HTML page saved
as .xls), an Office file may be encrypted (an OLE compound file holding an ``EncryptedPackage``),
a zip may be corrupt or a bomb. ``sniff`` names the format from the first bytes; ``open_zip``
checks a zip's declared sizes and then decompresses its XML members in bounded chunks, so a member
whose actual size differs from its header, or a total over the limit, is refused before python-docx
or openpyxl load everything into memory. Every refusal is a SourceError with one Chinese line.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import TYPE_CHECKING

from ..errors import SourceError, os_reason
from .grid import Cell

if TYPE_CHECKING:
    from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024  # a 分解表 with pictures is a few MB; 50 MB is far beyond any real one
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # all members of a .docx/.xlsx, as declared and as decompressed
MAX_XML_BYTES = 20 * 1024 * 1024  # one XML part: parsed whole by lxml, ~10x its size in memory
MAX_ZIP_MEMBERS = 5_000
MAX_ROWS = 20_000  # per table; the largest real 分解表 has a few hundred rows
MAX_COLUMNS = 200
MAX_CELLS = 400_000  # rows x columns of one table (the grid is rectangular)
MAX_HTML_DEPTH = 1_000  # open elements at once in a web page

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20
# what zipfile raises reading a damaged archive (zlib.error escapes it for a corrupt deflate stream)
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)
_TAG = re.compile(rb"<[a-z][a-z0-9]*[\s>/]")  # text that opens with a tag is markup, not a pasted table
_HTML_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<table", b"<meta", b"<!--")

KIND_NAMES = {
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 工作簿（.xlsx）",
    "xls": "旧版 Excel 工作簿（.xls）",
    "doc": "旧版 Word 文档（.doc/.wps）",
    "ole": "旧版 Office 文件",
    "zip": "zip 压缩包",
    "pdf": "PDF 文件",
    "html": "网页（.html）",
    "text": "文本文件",
    "encrypted": "加密的 Office 文件",
    "binary": "无法识别的二进制文件",
}


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def sniff(path: Path) -> str:
    """The format of ``path`` from its content: one of KIND_NAMES, or raise for empty/missing/huge."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"无法读取 {path}：{os_reason(exc)}") from None
    if not path.is_file():
        raise SourceError(f"{path} 不是文件")
    if size == 0:
        raise SourceError(f"{path} 是空文件，没有可导入的内容")
    if size > MAX_FILE_BYTES:
        raise SourceError(
            f"{path} 有 {size // (1024 * 1024)} MB，超过导入上限 {MAX_FILE_BYTES // (1024 * 1024)} MB"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
            if head.startswith(OLE_MAGIC):
                data = head + fh.read()
                return _ole_kind(data)
    except OSError as exc:
        raise SourceError(f"无法读取 {path}：{os_reason(exc)}") from None
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if head.startswith(b"%PDF"):
        return "pdf"
    sample = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if sample.startswith(_HTML_STARTS) or _TAG.match(sample):
        return "html"
    if b"<table" in head.lower() or b"<\x00t\x00a\x00b\x00l\x00e" in head.lower():
        return "html"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def _ole_kind(data: bytes) -> str:
    if _utf16("EncryptedPackage") in data:
        return "encrypted"
    if _utf16("WordDocument") in data:
        return "doc"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    return "ole"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist()[:MAX_ZIP_MEMBERS])
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SourceError(
            f"{path} 已损坏：不是完整的 zip 包（.docx/.xlsx 本质上是 zip 包），请重新下载或另存"
        ) from None
    # by folder, not by one part's name: Word Online and some generators write word/document2.xml
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return "zip"


def expect(path: Path, kind: str) -> None:
    """Refuse ``path`` unless its content is ``kind``, saying what it really is and what to do."""
    found = sniff(path)
    if found == kind:
        return
    if found == "encrypted":
        raise SourceError(f"{path} 设置了打开密码（已加密）：请在 Word/Excel/WPS 中取消密码后另存，再导入")
    what = KIND_NAMES.get(found, found)
    hint = {
        "docx": "请把扩展名改为 .docx",
        "xlsx": "请把扩展名改为 .xlsx",
        "xls": "请把扩展名改为 .xls",
        "html": "请把扩展名改为 .html",
        "doc": "请用 Word 或 WPS 另存为 .docx",
        "pdf": "请找到原表的 .docx/.xlsx 附件，或另存为 .docx",
    }.get(found, "请确认下载的是原文件")
    raise SourceError(f"{path} 的扩展名是 {path.suffix or '（无）'}，内容却是{what}：{hint}后再导入")


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open an Office zip after checking its declared and actual sizes against the limits.

    Declared sizes come from the central directory. XML members (what the parsers read) are then
    decompressed once in 1 MB chunks and counted: a member that inflates beyond its declared size,
    fails its CRC or pushes the total over MAX_UNZIPPED_BYTES is refused. Other members (pictures)
    are bounded by their declared size, which zipfile itself enforces while reading.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SourceError(f"{path} 已损坏：不是完整的 zip 包，请重新下载或另存") from None
    try:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SourceError(
                f"{path} 里有 {len(infos)} 个部件，超过上限 {MAX_ZIP_MEMBERS}，不像正常的 Office 文件"
            )
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _bomb(path, declared)
        total = 0
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            if info.file_size > MAX_XML_BYTES:
                raise _too_much_xml(path, info.filename, info.file_size)
            seen = 0
            with zf.open(info) as member:
                while chunk := member.read(_CHUNK):
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > info.file_size or total > MAX_UNZIPPED_BYTES:
                        raise _bomb(path, total)
                    if seen > MAX_XML_BYTES:
                        raise _too_much_xml(path, info.filename, seen)
    except SourceError:
        zf.close()
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        zf.close()
        if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
            raise SourceError(f"{path} 设置了密码：请取消密码后另存，再导入") from None
        raise SourceError(f"{path} 已损坏（zip 包内容不完整或校验失败），请重新下载或另存") from None
    return zf


def _too_much_xml(path: Path, name: str, size: int) -> SourceError:
    return SourceError(
        f"{path} 中的 {name} 解压后有 {size // (1024 * 1024)} MB 以上，超过上限 "
        f"{MAX_XML_BYTES // (1024 * 1024)} MB，不像正常的分解表，已拒绝读取"
    )


def _bomb(path: Path, size: int) -> SourceError:
    return SourceError(
        f"{path} 解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB（至少 {size // (1024 * 1024)} MB），"
        "不像正常的分解表，已拒绝读取"
    )


def check_size(path: Path, where: str, rows: int, columns: int) -> None:
    """Refuse a table over the row, column or cell limits, in one line."""
    if rows > MAX_ROWS:
        raise SourceError(f"{path} 的{where}有 {rows} 行以上，超过导入上限 {MAX_ROWS} 行")
    if columns > MAX_COLUMNS:
        raise SourceError(f"{path} 的{where}有 {columns} 列，超过导入上限 {MAX_COLUMNS} 列")
    if rows * columns > MAX_CELLS:
        raise SourceError(f"{path} 的{where}有 {rows} 行 × {columns} 列，超过导入上限 {MAX_CELLS} 个单元格")


def lines_of(text: str) -> str:
    """A cell's text in the grid's form: lines stripped, blank lines dropped, joined by "\\n"."""
    if "\n" not in text and "\r" not in text:
        return text.replace("\xa0", " ").strip()
    lines = (
        line.replace("\xa0", " ").strip()
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return "\n".join(line for line in lines if line)


def fill_merges(
    texts: list[list[str]], merges: list[tuple[int, int, int, int]], path: Path, where: str
) -> list[list[Cell]]:
    """Cells from a rectangular grid of texts and merged ranges (first row, first column, last row,
    last column, inclusive, 0-based): every position inside a range but its origin repeats the
    origin's text, with ``down`` when below the origin's row and ``right`` when right of its column.
    Ranges are clipped to the grid (a title merged across 26 columns of a 4-column table)."""
    rows = [[Cell(text) for text in row] for row in texts]
    height = len(rows)
    width = len(rows[0]) if rows else 0
    work = 0
    for r0, c0, r1, c1 in merges:
        if r0 >= height or c0 >= width:
            continue
        work += (min(r1, height - 1) - r0 + 1) * (min(c1, width - 1) - c0 + 1)
        if work > 2 * MAX_CELLS:  # overlapping ranges: work without end, no more cells
            raise SourceError(f"{path} 的{where}合并单元格覆盖超过 {2 * MAX_CELLS} 个位置，超过导入上限")
        origin = texts[r0][c0]
        for r in range(r0, min(r1, height - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if r != r0 or c != c0:
                    rows[r][c] = Cell(origin, down=r > r0, right=c > c0)
    return rows
