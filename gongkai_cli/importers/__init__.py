"""Importers: one reader per file format, each producing grid.Document; normalise.py makes a plan mapping.

``read_document`` chooses the reader by what the file is (its first bytes), not by what its name
says, and refuses what gongkai cannot read with one line saying what to do instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import SourceError

if TYPE_CHECKING:
    from ..model import Plan
    from .grid import Document
    from .normalise import Meta
    from .report import ImportReport

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".text", ".tab", ".md", "")


def read_document(path: Path | str) -> Document:
    """The file's tables as grids, through the reader its content calls for."""
    from .files import expect, sniff

    path = Path(path)
    kind = sniff(path)
    suffix = path.suffix.lower()
    if kind == "encrypted":
        expect(path, "docx")  # raises the one-line message about the password
    if kind in ("doc", "ole"):
        raise SourceError(
            f"{path} 是旧版 Word/WPS 文档（.doc/.wps），gongkai 读不了："
            "请用 Word 或 WPS 打开，另存为 .docx 后再导入"
        )
    if kind == "pdf":
        raise SourceError(
            f"{path} 是 PDF 文件，表格无法可靠还原："
            "请找到原表的 .docx/.xlsx 附件，或用 WPS/Word 转换为 .docx 后再导入"
        )
    if kind in ("zip", "binary"):
        raise SourceError(f"{path} 不是可导入的表格文件（支持 .docx、.xlsx、.xls、.html、.csv、.tsv 和文本）")
    if suffix in (".doc", ".wps", ".pdf", ".et") and kind == "text":
        raise SourceError(f"{path} 的扩展名是 {suffix}，内容却是文本：请另存为 .docx 或 .csv 后再导入")
    if kind in ("docx", "xlsx", "xls") and suffix != f".{kind}":
        return _renamed(path, kind)
    if kind == "docx":
        from . import docx

        return docx.read(path)
    if kind == "xlsx":
        from . import xlsx

        return xlsx.read(path)
    if kind == "xls":
        from . import xls

        return xls.read(path)
    if kind == "html":
        from . import html

        return html.read(path)
    from . import text

    return text.read(path)


def _renamed(path: Path, kind: str) -> Document:
    """A .docx/.xlsx/.xls under another name (openpyxl goes by the extension): read through a link
    with the right one, and named by the file the user gave."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gongkai-import-") as tmp:
        link = Path(tmp) / f"table.{kind}"
        try:
            link.symlink_to(path.resolve())
        except OSError:
            import shutil

            shutil.copyfile(path, link)
        try:
            doc = read_document(link)
        except SourceError as exc:  # name the user's file, not the link
            raise SourceError(str(exc).replace(str(link), str(path))) from None
    return doc._replace(path=str(path))


class Imported(NamedTuple):
    plan: Plan
    yaml: str  # the plan file's text, as dump_plan writes it
    report: ImportReport


def import_table(path: Path | str, given: Meta | None = None, units_from: Plan | None = None) -> Imported:
    """A table document -> a valid plan, its YAML and the review report (``gongkai import``).

    ``units_from``: a plan whose unit directory (kinds, group members) applies to the names the
    table shares with it. Raises SourceError (the file cannot be read), NothingToImport (no table,
    header or data rows), UsageError (no year given and none found).
    """
    from ..plan import dump_plan, validate_plan
    from .normalise import Meta, apply_directory, normalise

    result = normalise(read_document(path), given or Meta())
    if units_from is not None:
        apply_directory(result.mapping, units_from, result.report)
    plan = validate_plan(result.mapping, str(path))
    return Imported(plan, dump_plan(plan), result.report)
