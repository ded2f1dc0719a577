"""Reading an untrusted .dawproject (a ZIP of project.xml, metadata.xml and audio) safely.

Every entry is checked from the ZIP's directory before anything is read: no absolute or `..`
paths, no symbolic links, no encryption, no duplicate names, sizes within the caps and no
entry that inflates suspiciously well (a ZIP bomb). Reading then counts the bytes that really
come out, so an archive whose directory lies is stopped at the cap all the same. XML is parsed
by expat with every DTD refused, so entity expansion ("billion laughs") and external entities
cannot happen. Every refusal is an InvalidInput whose message tells the user what is wrong.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, NoReturn
from xml.etree import ElementTree as ET
from xml.parsers import expat

from maxbooster.services.errors import ErrorCode, InvalidInput, invalid
from maxbooster.settings import get_settings

MAX_ENTRIES = 2000
MAX_XML_BYTES = 16 * 1024 * 1024  # project.xml of thousands of clips is a few MB
MAX_XML_DEPTH = 64  # real files nest about 10 deep; the reader walks nested lanes and clips recursively
MAX_XML_ELEMENTS = 250_000
MAX_TOTAL_FACTOR = 2  # all entries together: twice the upload cap (UPLOAD_MAX_BYTES)
MAX_RATIO = 200  # inflated / compressed, for entries above RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1024 * 1024
READ_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_NOT_DAWPROJECT = ("This is not a DAWproject file (it is not a ZIP archive). Export the project from your DAW "
                   "as .dawproject and try again.")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024):,} KB"


class DawprojectRefused(InvalidInput):
    """The file cannot be imported; the message says why in plain words."""


def safe_path(name: str, *, what: str) -> str:
    """`name` as a clean relative path ("audio/kick.wav"), or a refusal for absolute paths,
    drive letters, `..` and empty names (in the ZIP or in a file reference of project.xml)."""
    unified = name.replace("\\", "/")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if unified.startswith("/") or _DRIVE.match(unified) or ".." in parts or not parts or "\x00" in unified:
        raise DawprojectRefused(f"The DAWproject file contains an unsafe path ({name[:120]!r}) in {what}. "
                                "It cannot be imported.")
    return "/".join(parts)


class Archive:
    """A checked .dawproject archive; `open` it with `open_archive`."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.total_cap = MAX_TOTAL_FACTOR * get_settings().upload_max_bytes
        self.file_cap = get_settings().upload_max_bytes
        self.read_total = 0
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self._check_directory()

    def _check_directory(self) -> None:
        infos = self.zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise DawprojectRefused(f"The DAWproject file holds more than {MAX_ENTRIES} files. It cannot be imported.")
        declared = 0
        for info in infos:
            name = safe_path(info.filename, what="the archive")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise DawprojectRefused(f"The DAWproject file contains a symbolic link ({name[:120]}). "
                                        "It cannot be imported.")
            if info.flag_bits & 0x1:
                raise DawprojectRefused("The DAWproject file is password-protected. Export it again without "
                                        "encryption.")
            if info.is_dir():
                continue
            if name in self.entries:
                raise DawprojectRefused(f"The DAWproject file contains {name[:120]} twice. It cannot be imported.")
            self._check_size(name, info)
            declared += info.file_size
            self.entries[name] = info
        if declared > self.total_cap:
            raise self._too_big()

    def _check_size(self, name: str, info: zipfile.ZipInfo) -> None:
        if info.file_size > self.file_cap:
            raise invalid(ErrorCode.FILE_TOO_LARGE, f"{name[:120]} in the DAWproject file is larger than the "
                          f"{_size(self.file_cap)} upload limit.")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise DawprojectRefused(f"{name[:120]} in the DAWproject file unpacks to far more than it stores "
                                    "(a 'ZIP bomb'). It cannot be imported.")

    def _too_big(self) -> InvalidInput:
        return invalid(ErrorCode.FILE_TOO_LARGE, f"The DAWproject file unpacks to more than {_size(self.total_cap)}. "
                       "Import a shorter project or fewer tracks.")

    def has(self, name: str) -> bool:
        return name in self.entries

    def chunks(self, name: str, *, limit: int | None = None) -> Iterator[bytes]:
        """The entry's bytes, counted as they inflate: past its declared size, the per-file cap
        or the archive's total cap, reading stops with a refusal; a damaged entry is refused too."""
        info = self.entries[name]
        cap = min(info.file_size, self.file_cap if limit is None else limit)
        got = 0
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(READ_CHUNK):
                    got += len(chunk)
                    self.read_total += len(chunk)
                    if got > cap:
                        raise DawprojectRefused(f"{name[:120]} in the DAWproject file is larger than its "
                                                "archive says. It cannot be imported.")
                    if self.read_total > self.total_cap:
                        raise self._too_big()
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise DawprojectRefused(f"{name[:120]} in the DAWproject file is damaged or uses an unsupported "
                                    "compression. Export the project again.") from exc

    def read(self, name: str, *, limit: int) -> bytes:
        info = self.entries[name]
        if info.file_size > limit:
            raise DawprojectRefused(f"{name} in the DAWproject file is larger than {_size(limit)}. "
                                    "It cannot be imported.")
        return b"".join(self.chunks(name, limit=limit))

    def extract(self, name: str, dest: Path) -> int:
        """Write the entry to `dest` (a file of ours); its size in bytes."""
        size = 0
        with open(dest, "wb") as out:
            for chunk in self.chunks(name):
                out.write(chunk)
                size += len(chunk)
        return size


def open_archive(source: bytes | Path | IO[bytes]) -> Archive:
    """The checked archive, or a refusal (not a ZIP, unsafe entries, too big)."""
    fh: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        return Archive(zipfile.ZipFile(fh))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise DawprojectRefused(_NOT_DAWPROJECT) from exc
    except OSError as exc:
        raise DawprojectRefused(_NOT_DAWPROJECT) from exc


def parse_xml(data: bytes, *, what: str) -> ET.Element:
    """An XML document whose DTD, entities and external references are all refused (stdlib expat
    feeding an ElementTree builder): only plain elements, attributes and text come through."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()

    def refuse(*_: object) -> NoReturn:
        raise DawprojectRefused(f"{what} in the DAWproject file declares a DTD or entities, which are not "
                                "allowed. It cannot be imported.")

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    depth, count = 0, 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth, count = depth + 1, count + 1
        if depth > MAX_XML_DEPTH or count > MAX_XML_ELEMENTS:
            raise DawprojectRefused(f"{what} in the DAWproject file is nested too deeply or has too many elements. "
                                    "It cannot be imported.")
        builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(tag)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
        return builder.close()
    except expat.ExpatError as exc:
        raise DawprojectRefused(f"{what} in the DAWproject file is not valid XML "
                                f"({expat.ErrorString(exc.code)}, line {exc.lineno}).") from exc


def entry_label(name: str) -> str:
    """The file name shown for an embedded file (the last part of its path)."""
    return PurePosixPath(name).name or name
