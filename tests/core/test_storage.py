"""Local storage: per-owner folders, random keys, size cap, nothing left by failed uploads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models import StoredFile, User
from maxbooster.services import storage
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.settings import get_settings
from tests.support.accounts import actor_for


@pytest.fixture
def owner(session: Session) -> User:
    user = User(email="artist@example.com", display_name="Artist")
    session.add(user)
    session.commit()
    return user


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "a/../../../x.wav"])
def test_hostile_filenames_stay_in_owner_folder(session: Session, owner: User, name: str) -> None:
    record = storage.save_upload(session=session, actor=actor_for(owner), filename=name, chunks=[b"RIFF data"])
    root = get_settings().storage_dir.resolve()
    files = _files(root)
    assert len(files) == 1 and files[0].parent == root / str(owner.id)
    assert "/" not in record.original_name and "\\" not in record.original_name
    _, fh = storage.open_file(session=session, actor=actor_for(owner), file_id=record.id)
    with fh:
        assert fh.read() == b"RIFF data"


def test_streamed_upload_over_cap_leaves_nothing(session: Session, owner: User) -> None:
    chunks = (b"x" * 1024 for _ in range(2048))  # 2 MiB, streamed
    with pytest.raises(InvalidInput, match="larger than the 1 MB limit"):
        storage.save_upload(session=session, actor=actor_for(owner), filename="big.wav", chunks=chunks,
                            max_bytes=1024 * 1024)
    assert _files(get_settings().storage_dir) == []
    assert session.exec(select(StoredFile)).all() == []


def test_empty_upload_refused(session: Session, owner: User) -> None:
    with pytest.raises(InvalidInput, match="file is empty"):
        storage.save_upload(session=session, actor=actor_for(owner), filename="a.wav", chunks=[b""])
    assert _files(get_settings().storage_dir) == []


def test_default_cap_is_500_mb(app_env: Path) -> None:
    assert get_settings().upload_max_bytes == 500 * 1024 * 1024


def test_other_owner_cannot_open(session: Session, owner: User) -> None:
    other = User(email="other@example.com", display_name="Other")
    session.add(other)
    session.commit()
    record = storage.save_upload(session=session, actor=actor_for(owner), filename="a.wav",
                                 chunks=storage.iter_stream(io.BytesIO(b"abc")))
    assert record.size_bytes == 3
    with pytest.raises(NotFound):
        storage.open_file(session=session, actor=actor_for(other), file_id=record.id)


def test_storage_key_cannot_escape_root(tmp_path: Path) -> None:
    backend = storage.LocalStorage(tmp_path / "root")
    with pytest.raises(InvalidInput, match="escapes"):
        backend.write("../outside", [b"x"], max_bytes=10)
    assert not (tmp_path / "outside").exists()
