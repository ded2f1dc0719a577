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
