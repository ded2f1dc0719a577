"""Format round trips, dither, header checks and every bad input from issue 4."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.errors import (
    AudioError,
    CorruptFile,
    DecodeFailed,
    EmptyAudio,
    HeaderOutOfBounds,
    InvalidParameter,
    InvalidSamples,
    UnsupportedFormat,
)
from audio.io import probe, read_audio, read_untrusted, validate_samples, write_audio
from tests.audio.signals import make_music, write_wav

SR = 44100
LSB16 = 1 / 32768


@pytest.fixture(scope="module")
def music() -> np.ndarray:
    return make_music(3.0, SR, seed=2)


@pytest.mark.parametrize(
    ("name", "subtype", "max_error"),
    [
        ("a.wav", "PCM_16", 2.5 * LSB16),  # dither ±1 LSB + rounding ½ LSB
        ("a.wav", "PCM_24", 1.0 / 2**23),  # half a 24-bit LSB plus float32 rounding
        ("a.wav", "FLOAT", 0.0),
        ("a.flac", "PCM_16", 2.5 * LSB16),
        ("a.flac", "PCM_24", 2.0 / 2**23),  # 24-bit LSB plus float32 rounding
        ("a.aiff", "PCM_24", 2.0 / 2**23),  # 24-bit LSB plus float32 rounding
    ],
)
def test_lossless_round_trip(tmp_path: Path, music: np.ndarray, name: str, subtype: str, max_error: float) -> None:
    path = write_audio(tmp_path / name, music, SR, subtype=subtype)
    info = probe(path)
    assert (info.channels, info.sample_rate, info.frames, info.subtype) == (2, SR, music.shape[1], subtype)
    back, rate = read_audio(path)
    assert rate == SR and back.dtype == np.float32 and back.shape == music.shape
    assert np.abs(back - music).max() <= max_error


@pytest.mark.parametrize("name", ["a.ogg", "a.mp3"])
def test_lossy_round_trip(tmp_path: Path, music: np.ndarray, name: str) -> None:
    path = write_audio(tmp_path / name, music, SR)
    info = probe(path)
    assert info.channels == 2 and info.sample_rate == SR
    assert info.duration_s == pytest.approx(3.0, abs=0.1)  # header-derived estimate
    back, _ = read_audio(path)
    # Lossy codecs shift timing (MP3 priming): compare the spectra-level RMS, not samples.
    n = min(back.shape[1], music.shape[1])
    rms_ratio_db = 10 * np.log10(np.mean(back[:, :n] ** 2) / np.mean(music[:, :n] ** 2))
    assert abs(rms_ratio_db) < 0.5


def test_tpdf_dither_is_unbiased_and_bounded(tmp_path: Path) -> None:
    # A DC of 0.3 LSB vanishes without dither; TPDF keeps its mean and adds
    # noise of RMS sqrt(1/12 + 1/6) = 0.5 LSB.
    x = np.full((1, 200_000), 0.3 * LSB16, dtype=np.float32)
    back, _ = read_audio(write_audio(tmp_path / "d.wav", x, SR, subtype="PCM_16"))
    assert back.mean() == pytest.approx(0.3 * LSB16, abs=0.02 * LSB16)
    assert np.sqrt(np.mean((back - x) ** 2)) == pytest.approx(0.5 * LSB16, rel=0.1)


@pytest.mark.parametrize(("subtype", "full_scale"), [("PCM_16", 2**15), ("PCM_24", 2**23)])
def test_pcm_scaling_is_v_over_2_pow_bits_minus_1(tmp_path: Path, subtype: str, full_scale: int) -> None:
    # libsndfile convention: -full_scale reads -1.0 exactly and half scale 0.5 (±1 float32 ulp);
    # pedalboard alone would read these 1/(full_scale - 1) too high.
    ints = np.array([-full_scale, full_scale // 2, full_scale - 1], dtype=np.int64)
    shift = 32 - int(subtype[-2:])
    data = (ints << shift).astype(np.int32)[:, None]
    path = tmp_path / "scale.wav"
    sf.write(str(path), data, SR, subtype=subtype)
    x, _ = read_audio(path)
    np.testing.assert_allclose(x[0], ints / full_scale, rtol=1.5e-7, atol=0)


def test_write_rejects_bad_requests(tmp_path: Path, music: np.ndarray) -> None:
    with pytest.raises(InvalidParameter, match="'PCM_8'"):
        write_audio(tmp_path / "a.wav", music, SR, subtype="PCM_8")
    with pytest.raises(InvalidParameter, match="'.xyz'"):
        write_audio(tmp_path / "a.xyz", music, SR)
    with pytest.raises(InvalidParameter, match="22050"):
        write_audio(tmp_path / "a.mp3", music, 22050)
    bad = music.copy()
    bad[0, 10] = np.nan
    with pytest.raises(InvalidSamples, match="1 NaN"):
        write_audio(tmp_path / "n.wav", bad, SR)


# --- bad inputs ------------------------------------------------------------------------------


def _patch(path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, offset, value)
    path.write_bytes(bytes(data))
    return path


def _wav(tmp_path: Path, seconds: float = 1.0, channels: int = 2, rate: int = SR) -> Path:
    x = np.zeros((channels, int(seconds * rate)), dtype=np.float32)
    x[:, ::7] = 0.1
    return write_wav(tmp_path, f"x{channels}_{rate}.wav", x, rate, subtype="PCM_16")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(EmptyAudio, match="0 bytes"):
        probe(tmp_path / "e.wav")


def test_zero_length_audio(tmp_path: Path) -> None:
    path = write_wav(tmp_path, "z.wav", np.zeros((2, 0), np.float32), SR)
    with pytest.raises(EmptyAudio, match="zero-length"):
        read_audio(path)


def test_truncated_wav(tmp_path: Path) -> None:
    path = _wav(tmp_path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CorruptFile, match="truncated"):
        read_audio(path)


@pytest.mark.parametrize("name", ["t.flac", "t.aiff"])
def test_truncated_flac_and_aiff(tmp_path: Path, music: np.ndarray, name: str) -> None:
    path = write_audio(tmp_path / name, music, SR)
    path.write_bytes(path.read_bytes()[:60])  # header only
    with pytest.raises(CorruptFile, match="truncated"):
        read_audio(path)


def test_text_renamed_wav(tmp_path: Path) -> None:
    (tmp_path / "notes.wav").write_text("hello, this is not audio at all\n" * 10)
    with pytest.raises(CorruptFile, match="is not audio"):
        read_audio(tmp_path / "notes.wav")


def test_wrong_extension(tmp_path: Path, music: np.ndarray) -> None:
    flac = write_audio(tmp_path / "real.flac", music, SR)
    renamed = flac.rename(tmp_path / "real.wav")
    with pytest.raises(UnsupportedFormat, match="content is FLAC but the extension is '.wav'"):
        read_audio(renamed)
    (tmp_path / "song.txt").write_bytes(b"abc" * 10)
    with pytest.raises(UnsupportedFormat, match="'.txt'"):
        probe(tmp_path / "song.txt")


def test_nan_and_inf_samples(tmp_path: Path) -> None:
    x = np.zeros((2, 1000), np.float32)
    x[0, 3], x[1, 4] = np.nan, np.inf
    path = tmp_path / "nan.wav"
    sf.write(str(path), x.T, SR, subtype="FLOAT")  # bypass our writer, which refuses
    with pytest.raises(InvalidSamples, match="2 NaN or infinite"):
        read_audio(path)


def test_one_sample(tmp_path: Path) -> None:
    path = write_wav(tmp_path, "one.wav", np.full((2, 1), 0.5, np.float32), SR)
    x, rate = read_audio(path)
    assert x.shape == (2, 1) and x[0, 0] == pytest.approx(0.5, abs=1e-6) and rate == SR


@pytest.mark.parametrize(("channels", "rate"), [(8, SR), (1, 8000), (2, 192000)])
def test_edge_layouts_are_accepted(tmp_path: Path, channels: int, rate: int) -> None:
    x, got_rate = read_audio(_wav(tmp_path, 0.5, channels, rate))
    assert x.shape == (channels, rate // 2) and got_rate == rate


@pytest.mark.parametrize(("channels", "rate", "match"), [(9, SR, "9 channels"), (2, 4000, "4000 Hz")])
def test_out_of_bounds_layouts(tmp_path: Path, channels: int, rate: int, match: str) -> None:
    with pytest.raises(HeaderOutOfBounds, match=match):
        read_audio(_wav(tmp_path, 0.5, channels, rate))


def test_data_size_0xffffffff(tmp_path: Path) -> None:
    path = _patch(_wav(tmp_path), 40, "<I", 0xFFFFFFFF)  # data chunk size field of a plain WAV
    with pytest.raises(HeaderOutOfBounds, match="0xFFFFFFFF"):
        read_audio(path)


def test_rf64_with_0xffffffff_uses_ds64(tmp_path: Path, music: np.ndarray) -> None:
    path = tmp_path / "big.wav"
    sf.write(str(path), music.T, SR, subtype="PCM_24", format="RF64")
    assert path.read_bytes()[:4] == b"RF64"
    assert probe(path).frames == music.shape[1]


def test_absurd_header_sample_rate(tmp_path: Path) -> None:
    path = _patch(_wav(tmp_path), 24, "<I", 3_000_000_000)
    with pytest.raises(HeaderOutOfBounds, match="3000000000 Hz"):
        read_audio(path)


def test_absurd_header_channel_count(tmp_path: Path) -> None:
    path = _patch(_wav(tmp_path), 22, "<H", 65535)
    with pytest.raises(HeaderOutOfBounds, match="65535 channels"):
        read_audio(path)


def test_duration_limit(tmp_path: Path) -> None:
    with pytest.raises(HeaderOutOfBounds, match="exceeds the limit of 1 s"):
        read_audio(_wav(tmp_path, 2.0), max_duration_s=1.0)


def test_validate_samples_rejects_bad_buffers() -> None:
    with pytest.raises(EmptyAudio):
        validate_samples(np.zeros((2, 0), np.float32))
    with pytest.raises(InvalidSamples, match="int16"):
        validate_samples(np.zeros((2, 10), np.int16))
    with pytest.raises(InvalidSamples, match=r"\(n, channels\)"):
        validate_samples(np.zeros((1000, 2), np.float32))


# --- sandboxed decoding ----------------------------------------------------------------------


def test_read_untrusted_round_trip(tmp_path: Path, music: np.ndarray) -> None:
    path = write_audio(tmp_path / "u.flac", music, SR)
    x, rate = read_untrusted(path, memory_limit_bytes=512 << 20, cpu_seconds=20)
    assert rate == SR and np.abs(x - music).max() <= 2.0 / 2**23


def test_read_untrusted_memory_limit_is_enforced(tmp_path: Path, music: np.ndarray) -> None:
    path = write_audio(tmp_path / "m.wav", music, SR)
    with pytest.raises(DecodeFailed, match="^m.wav: decoding exceeded the memory limit$"):
        read_untrusted(path, memory_limit_bytes=64 << 10, cpu_seconds=20)


def test_read_untrusted_checks_header_before_spawning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import audio.sandbox

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("a decoder process was started for a file whose header is bad")

    monkeypatch.setattr(audio.sandbox.subprocess, "Popen", no_child)
    (tmp_path / "t.wav").write_text("not audio")
    with pytest.raises(AudioError, match="^t.wav: is not audio"):
        read_untrusted(tmp_path / "t.wav")


@pytest.mark.parametrize("ext", ["flac", "mp3", "ogg"])
def test_compressed_file_cut_in_half(tmp_path: Path, music: np.ndarray, ext: str) -> None:
    # pedalboard zero-fills a truncated FLAC/MP3; we must report it instead.
    path = write_audio(tmp_path / f"h.{ext}", music, SR)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile, match=rf"^h.{ext}: (truncated|could not be decoded)"):
        read_audio(path)


def test_read_untrusted_reports_a_hung_child(tmp_path: Path, music: np.ndarray,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A real child process that never answers: the parent's wall-clock deadline must
    # fire, kill it (not leave it running) and report the timeout by file name.
    import os
    import time

    import audio.sandbox

    pid_file = tmp_path / "child.pid"
    monkeypatch.setattr(audio.sandbox, "CHILD_CODE",
                        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)")
    path = write_audio(tmp_path / "h.wav", music, SR)
    started = time.monotonic()
    with pytest.raises(DecodeFailed, match=r"^h.wav: decoder timed out after 1.5 s$"):
        read_untrusted(path, wall_seconds=1.5)
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int(pid_file.read_text()), 0)


def test_read_untrusted_cpu_limit_kills_a_spinning_decoder(tmp_path: Path, music: np.ndarray,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The real child code, with its decode step replaced by an endless loop: RLIMIT_CPU
    # (set by the child for the request) must stop it well before the wall deadline.
    import time

    import audio.sandbox

    spin = "import audio.sandbox_child as c; c._HANDLERS['decode'] = lambda req, progress: sum(iter(int, 1)); "
    monkeypatch.setattr(audio.sandbox, "CHILD_CODE", audio.sandbox.CHILD_CODE.replace("main(", spin + "main("))
    started = time.monotonic()
    with pytest.raises(DecodeFailed, match=r"^s.wav: decoding exceeded the CPU limit of 1 s$"):
        read_untrusted(write_audio(tmp_path / "s.wav", music, SR), cpu_seconds=1, wall_seconds=60)
    assert time.monotonic() - started < 20


def test_child_failure_messages_name_the_limit() -> None:
    import signal

    from audio.sandbox import child_failure

    assert "CPU limit of 5 s" in str(child_failure("a.wav", -signal.SIGXCPU, 5.0, b""))
    assert "memory limit" in str(child_failure("a.wav", 4, 5.0, b""))
    assert "died (exit code -11)" in str(child_failure("a.wav", -11, 5.0, b""))
