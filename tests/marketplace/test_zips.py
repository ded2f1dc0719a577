"""Uploaded ZIPs are checked from their central directory before anything is kept: path traversal,
absolute paths, symlinks, duplicate names, declared sizes and ratios of ZIP bombs are refused with the
reason; executables are kept but flagged for buyers."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import ListingFile
from maxbooster.services.marketplace import files, listings
from maxbooster.services.marketplace.zipcheck import ZipRefused
from maxbooster.settings import get_settings
from tests.marketplace.support import zip_bytes
from tests.support.accounts import actor_for

GB = 1024**3


def _declared(entries: int, each_bytes: int) -> bytes:
    """A small ZIP whose central directory declares `entries` files of `each_bytes` unpacked (patched in
    place, as a ZIP bomb's header would say): nothing that big is ever written or extracted."""
    raw = bytearray(zip_bytes({f"loop{i}.wav": b"\0" * 1000 for i in range(entries)}))
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) != -1:  # central directory headers: uncompressed size at +24
        struct.pack_into("<I", raw, pos + 24, each_bytes)
        pos += 4
    return bytes(raw)


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("Presets/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def _blobs() -> list[Any]:
    root = get_settings().storage_dir
    return [p for p in root.rglob("*") if p.is_file() and "marketplace" in str(p)] if root.exists() else []


@pytest.mark.parametrize(("data", "message"), [
    (zip_bytes({"Kit/../../evil.wav": b"x"}), "leaves its folder"),
    (zip_bytes({"/etc/cron.d/x": b"x"}), "absolute path"),
    (zip_bytes({"C:/Windows/x.dll": b"x"}), "absolute path"),
    (_symlink_zip(), "symbolic link"),
    (zip_bytes({"Kick.wav": b"x", "kick.WAV": b"y"}), "twice"),
    (_declared(3, 3_600_000_000), "more than 4.0 GB .*10.1 GB"),  # 10 GB declared in three entries
    (zip_bytes({"bomb.wav": b"\0" * (30 * 1024 * 1024)}), "compressed more than 100:1"),
    (b"not a zip at all", "not a ZIP archive"),
])
def test_dangerous_zips_are_refused_and_nothing_is_kept(session: Session, payable_seller: User, data: bytes,
                                                        message: str) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="sample_pack", title="Drum kit")
    started = time.monotonic()
    with pytest.raises(ZipRefused, match=message):
        files.attach_zip(session=session, actor=actor, listing_id=listing.id, filename="kit.zip", chunks=[data])
    assert time.monotonic() - started < 5  # decided from the headers, never by unpacking
    assert session.execute(select(func.count()).select_from(ListingFile)).scalar_one() == 0
    assert _blobs() == []


def test_executables_are_kept_and_flagged(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="plugin", title="Synth")
    data = zip_bytes({"Synth/readme.txt": b"hello", "Synth/install.exe": b"MZ\x90\x00",
                      "Synth/Synth.vst3/Contents/x86_64-linux/synth": b"\x7fELF\x02\x01",
                      "Synth/Mac/Synth": b"\xcf\xfa\xed\xfe....", "Synth/presets/a.fxp": b"CcnK....",
                      "Synth/setup": b"#!/bin/sh\necho hi\n"})
    row = files.attach_zip(session=session, actor=actor, listing_id=listing.id, filename="synth.zip", chunks=[data])
    flagged = {f["path"]: f["message"] for f in row.findings}
    assert set(flagged) == {"Synth/install.exe", "Synth/Synth.vst3/Contents/x86_64-linux/synth", "Synth/Mac/Synth",
                            "Synth/setup"}
    assert "Linux program (ELF)" in flagged["Synth/Synth.vst3/Contents/x86_64-linux/synth"]
    assert "macOS program" in flagged["Synth/Mac/Synth"] and "script" in flagged["Synth/setup"]
    assert row.entry_count == 6 and row.role == "zip" and len(_blobs()) == 1
    # a new ZIP replaces the old one (and its blob)
    files.attach_zip(session=session, actor=actor, listing_id=listing.id, filename="v2.zip",
                     chunks=[zip_bytes({"a.wav": b"x"})])
    assert len(_blobs()) == 1 and session.execute(select(func.count()).select_from(ListingFile)).scalar_one() == 1


def test_only_zip_files_and_stems_for_beats(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    pack = listings.create_listing(session=session, actor=actor, kind="sample_pack", title="Pack")
    with pytest.raises(Exception, match="not a .zip file"):
        files.attach_zip(session=session, actor=actor, listing_id=pack.id, filename="kit.rar", chunks=[b"x"])
    with pytest.raises(Exception, match="Stems belong to beats"):
        files.attach_zip(session=session, actor=actor, listing_id=pack.id, filename="s.zip", chunks=[b"x"],
                         role="stems")
    assert _blobs() == []
