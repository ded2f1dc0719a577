"""Issue 7 §3.3 and §3.5: hostile files end in clear errors (or are read correctly), never tracebacks.

Each case is a small file built here byte by byte. Library calls must raise an
AudioError subclass with a message naming the file and the problem; the CLI
must exit 2 with one ``error: ...`` line and no traceback.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.errors import CorruptFile, HeaderOutOfBounds, UnreadableFile
from audio.io import probe, read_audio

SR = 44100
ROOT = Path(__file__).resolve().parents[2]
MP3_FRAME_HEADER = b"\xff\xfb\x90\x64"  # MPEG-1 layer III, 128 kbps, 44.1 kHz, stereo: 417-byte frames


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audio", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def _tone(tmp_path: Path, name: str, subtype: str = "PCM_16") -> tuple[Path, np.ndarray]:
    x = (0.3 * np.sin(np.arange(SR) / 10.0)).astype(np.float32)
    path = tmp_path / name
    sf.write(str(path), x, SR, subtype=subtype)
    return path, x


def _aiff_with_rate_exponent(tmp_path: Path, exponent: int) -> Path:
    path, _ = _tone(tmp_path, f"e{exponent}.aiff")
    raw = bytearray(path.read_bytes())
    rate_at = raw.find(b"COMM") + 8 + 8  # channels (2), frames (4), bits (2), then the 80-bit rate
    raw[rate_at : rate_at + 2] = struct.pack(">H", exponent)
    path.write_bytes(bytes(raw))
    return path


def test_ten_byte_mp3_with_xing_header(tmp_path: Path) -> None:
    # Used to raise IndexError in the MP3 header parser.
    path = tmp_path / "tiny.mp3"
    path.write_bytes(MP3_FRAME_HEADER + b"Xing\x00\x00")
    with pytest.raises(CorruptFile, match="tiny.mp3: no run of 3 consecutive MPEG"):
        probe(path)


@pytest.mark.parametrize("exponent", [0x7FFE, 16383 + 1000])
def test_aiff_with_extreme_rate_exponent(tmp_path: Path, exponent: int) -> None:
    # 0x7FFE overflowed (OverflowError); 16383 + 1000 printed a 300-digit rate in the message.
    path = _aiff_with_rate_exponent(tmp_path, exponent)
    with pytest.raises(HeaderOutOfBounds, match="sample rate .* Hz in the COMM chunk is absurd") as err:
        probe(path)
    assert len(str(err.value)) < 120


def test_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # Root ignores file modes, so the permission error is injected where files are opened.
    from audio.cli import main

    path, _ = _tone(tmp_path, "locked.wav")
    real_open = os.open

    def denied(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(UnreadableFile, match="locked.wav: cannot be read: permission denied"):
        read_audio(path)
    assert main(["analyze", str(path)]) == 2
    assert capsys.readouterr().err == "error: locked.wav: cannot be read: permission denied\n"


def test_flac_with_id3_tag_in_front_is_read_as_flac(tmp_path: Path) -> None:
    plain, x = _tone(tmp_path, "plain.flac")
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, 20]) + b"\x00" * 20  # ID3v2.3, 20 bytes of padding
    tagged = tmp_path / "tagged.flac"
    tagged.write_bytes(tag + plain.read_bytes())
    assert probe(tagged).format == "FLAC"
    y, rate = read_audio(tagged)
    assert rate == SR and np.abs(y[0] - x).max() <= 1 / 32768  # 16-bit: half an LSB of rounding


def test_wav_with_300_junk_chunks_is_read(tmp_path: Path) -> None:
    plain, x = _tone(tmp_path, "plain.wav")
    raw = plain.read_bytes()
    fmt_end = 12 + 8 + struct.unpack("<I", raw[16:20])[0]
    junk = b"".join(b"JUNK" + struct.pack("<I", 4) + b"abcd" for _ in range(300))
    body = raw[12:fmt_end] + junk + raw[fmt_end:]
    path = tmp_path / "junk.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    y, rate = read_audio(path)
    assert rate == SR and np.abs(y[0] - x).max() <= 1 / 32768


@pytest.mark.parametrize("content", [
    MP3_FRAME_HEADER + bytes(range(256)) * 80,  # one plausible header, then noise
    b"ID3\x03\x00\x00\x00\x00\x00\x00" + np.random.default_rng(3).bytes(20000),  # a tag, then noise
    (MP3_FRAME_HEADER + bytes(413)) * 2 + np.random.default_rng(4).bytes(20000),  # two frames only
])
def test_garbage_mp3_is_refused_by_analyze_and_check(tmp_path: Path, content: bytes) -> None:
    from audio.check import check

    path = tmp_path / "garbage.mp3"
    path.write_bytes(content)
    with pytest.raises(CorruptFile, match="garbage.mp3: no run of 3 consecutive MPEG layer III frames"):
        check(path, untrusted=False)
    done = _cli("analyze", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: garbage.mp3: no run of 3 consecutive MPEG") and "Traceback" not in done.stderr


def test_symlink_is_refused_and_its_target_never_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOPSECRET\n")
    link = tmp_path / "song.wav"
    link.symlink_to(secret)
    with pytest.raises(UnreadableFile, match="song.wav: is a symbolic link; refusing to follow it"):
        probe(link)
    done = _cli("analyze", str(link))
    assert done.returncode == 2
    assert done.stderr == "error: song.wav: is a symbolic link; refusing to follow it\n"


def test_fifo_and_directory_are_refused_by_name(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFile, match="pipe.wav: is not a regular file"):
        probe(fifo)  # must not block waiting for a writer
    folder = tmp_path / "album.wav"
    folder.mkdir()
    with pytest.raises(UnreadableFile, match="album.wav: is a directory"):
        read_audio(folder)


def test_unknown_bytes_are_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("PRIVATE-NOTES " * 20)
    with pytest.raises(CorruptFile) as err:
        probe(path)
    assert "PRIVATE" not in str(err.value) and "notes.wav: is not audio" in str(err.value)


@pytest.mark.parametrize("kind", ["xing_mp3", "aiff_exponent", "missing"])
def test_cli_reports_hostile_files_without_traceback(tmp_path: Path, kind: str) -> None:
    if kind == "xing_mp3":
        path = tmp_path / "tiny.mp3"
        path.write_bytes(MP3_FRAME_HEADER + b"Xing\x00\x00")
    elif kind == "aiff_exponent":
        path = _aiff_with_rate_exponent(tmp_path, 0x7FFE)
    else:
        path = tmp_path / "missing.wav"
    for command in ("analyze", "check"):
        done = _cli(command, str(path))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {path.name}: ") and done.stderr.count("\n") == 1
