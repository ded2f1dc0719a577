"""Checks of an uploaded ZIP (sample packs, preset banks, plugins) from its central directory, without
extracting it.

Refused (ZipRefused, nothing kept): not a ZIP, too many entries, an entry that would land outside the
folder (`../`, absolute paths, drive letters), symlinks, duplicate names, a declared unpacked size over
the limit or a compression ratio typical of ZIP bombs. Flagged (kept, shown to buyers as findings):
executables by name (.exe, .dll, .so, .dylib, .app, .sh, .bat, .msi, …) or by their first bytes (PE,
ELF, Mach-O, scripts), and encrypted entries. Only the first bytes of each entry are ever decompressed,
after the size and ratio checks passed.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxbooster.services.errors import DomainError, ErrorCode

EXECUTABLE_SUFFIXES = (".exe", ".dll", ".so", ".dylib", ".app", ".sh", ".bat", ".cmd", ".msi", ".com", ".scr",
                       ".ps1", ".vbs", ".jar", ".command", ".pkg", ".dmg")
_MAGIC = ((b"MZ", "a Windows program (PE)"), (b"\x7fELF", "a Linux program (ELF)"),
          (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"), (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O)"),
          (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O)"), (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"),
          (b"\xca\xfe\xba\xbe", "a macOS universal program (Mach-O)"), (b"#!", "a script"))
_DRIVE = re.compile(r"^[A-Za-z]:")
RATIO_MIN_BYTES = 1024 * 1024  # small entries compress well legitimately (text, silence); judge big ones


class ZipRefused(DomainError):
    code = ErrorCode.ZIP_REFUSED
    http_status = 422


@dataclass
class ZipReport:
    entries: int = 0
    uncompressed_bytes: int = 0
    compressed_bytes: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)

    def flag(self, code: str, path: str, message: str) -> None:
        self.findings.append({"code": code, "path": path[:300], "message": message})


def _gb(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.1f} MB"


def _check_name(raw: str) -> str:
    """The entry's path with / separators; refuses one that would be written outside the folder."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise ZipRefused(f"The ZIP contains an absolute path ({raw!r}); pack files with relative paths only "
                         "and upload it again.")
    if ".." in name.split("/"):
        raise ZipRefused(f"The ZIP contains a path that leaves its folder ({raw!r}, with '..'); remove it and "
                         "upload the ZIP again.")
    if "\x00" in name:
        raise ZipRefused("The ZIP contains a file name with a NUL character; rename it and upload again.")
    return name


def inspect_zip(path: Path, *, max_bytes: int, max_ratio: int, max_entries: int) -> ZipReport:
    """Check the ZIP at `path`; ZipRefused with the reason, else the report with its findings."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ZipRefused("This file is not a ZIP archive we can read; export it as .zip and upload again.") from exc
    with archive:
        infos = archive.infolist()
        report = _structure(infos, max_bytes=max_bytes, max_ratio=max_ratio, max_entries=max_entries)
        for info in infos:
            _flag_executable(archive, info, report)
    return report


def _structure(infos: list[zipfile.ZipInfo], *, max_bytes: int, max_ratio: int, max_entries: int) -> ZipReport:
    report = ZipReport(entries=len(infos))
    if len(infos) > max_entries:
        raise ZipRefused(f"The ZIP has {len(infos):,} entries; the limit is {max_entries:,}. Split it into "
                         "smaller packs.")
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise ZipRefused(f"The ZIP would unpack to more than {_gb(max_bytes)} (it declares {_gb(declared)}); "
                         "upload smaller packs.")
    seen: dict[str, str] = {}
    for info in infos:
        name = _check_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ZipRefused(f"The ZIP contains a symbolic link ({info.filename!r}); replace it with the real "
                             "file and upload again.")
        key = name.rstrip("/").casefold()
        if key in seen:
            raise ZipRefused(f"The ZIP contains the name {info.filename!r} twice ({seen[key]!r}); rename one and "
                             "upload again.")
        seen[key] = info.filename
        report.uncompressed_bytes += info.file_size
        report.compressed_bytes += info.compress_size
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            raise ZipRefused(f"{info.filename!r} in the ZIP is compressed more than {max_ratio}:1, as in a ZIP bomb; "
                             "this ZIP is refused.")
        if info.flag_bits & 0x1:
            report.flag("encrypted", info.filename, "Password-protected file: it could not be checked.")
    total_ratio_floor = RATIO_MIN_BYTES * 4
    if report.uncompressed_bytes >= total_ratio_floor and \
            report.uncompressed_bytes > max_ratio * max(report.compressed_bytes, 1):
        raise ZipRefused(f"The ZIP is compressed more than {max_ratio}:1 overall, as in a ZIP bomb; it is refused.")
    return report


def _flag_executable(archive: zipfile.ZipFile, info: zipfile.ZipInfo, report: ZipReport) -> None:
    name = info.filename.replace("\\", "/")
    parts = [p.lower() for p in name.split("/") if p]
    if any(p.endswith(EXECUTABLE_SUFFIXES) for p in parts):
        report.flag("executable", info.filename, "Program file (by its name): only run it if you trust the seller.")
        return
    if info.is_dir() or info.flag_bits & 0x1 or info.file_size == 0:
        return
    try:
        with archive.open(info) as fh:
            head = fh.read(4)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        report.flag("unreadable", info.filename, "This file could not be read to be checked.")
        return
    for magic, what in _MAGIC:
        if head.startswith(magic):
            report.flag("executable", info.filename, f"Contains {what}: only run it if you trust the seller.")
            return
