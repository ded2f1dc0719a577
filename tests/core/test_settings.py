"""Settings: embedded defaults, production refuses to start without secret and origins."""

from __future__ import annotations

from pathlib import Path

import pytest

from maxbooster.settings import ConfigError, Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("SECRET_KEY", "ALLOWED_ORIGINS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "MAXBOOSTER_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAXBOOSTER_DATA_DIR", str(tmp_path))
    return tmp_path


def test_embedded_defaults(clean_env: Path) -> None:
    s = Settings()
    assert s.database_url == f"sqlite:///{clean_env / 'maxbooster.db'}"
    assert s.celery_broker_url.startswith("sqla+sqlite:///") and s.broker_is_embedded
    assert s.allowed_origins == ["http://localhost:3000"]


def test_development_secret_generated_once_and_kept(clean_env: Path) -> None:
    first = Settings().secret_key
    assert len(first) >= 48 and Settings().secret_key == first
    assert (clean_env / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_ORIGINS"])
def test_production_refuses_without_explicit_values(clean_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                    missing: str) -> None:
    monkeypatch.setenv("MAXBOOSTER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://music.example.com")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        Settings().check_production()
    assert not (clean_env / "secret_key").exists()


def test_unknown_env_is_a_clear_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAXBOOSTER_ENV", "prod")
    with pytest.raises(ValueError, match="MAXBOOSTER_ENV must be development, production or test"):
        Settings()


def test_storage_is_local_unless_a_bucket_is_named(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_PREFIX", "S3_ADDRESSING_STYLE"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert not s.storage_is_s3 and s.storage_dir == clean_env / "files"
    monkeypatch.setenv("S3_BUCKET", "music")
    monkeypatch.setenv("S3_REGION", "eu-central-1")
    monkeypatch.setenv("S3_PREFIX", "/maxbooster/prod/")
    s = Settings()
    assert s.storage_is_s3 and s.s3_addressing_style == "path"
    assert s.s3_endpoint_url == "https://s3.eu-central-1.amazonaws.com" and s.s3_prefix == "maxbooster/prod/"
    monkeypatch.setenv("S3_ENDPOINT_URL", "https://abc123.r2.cloudflarestorage.com/")
    assert Settings().s3_endpoint_url == "https://abc123.r2.cloudflarestorage.com"


@pytest.mark.parametrize(("name", "value"), [("S3_ADDRESSING_STYLE", "dns"), ("S3_ENDPOINT_URL", "minio:9000")])
def test_bad_storage_settings_are_clear_errors(clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                               value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings()
