"""The one place that reads environment variables (pydantic-settings)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot be used (message says which variable)."""


class Settings(BaseSettings):
    """Every knob of Max Booster; README.md has the table of variables and defaults."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    env: str = Field(default="development", alias="MAXBOOSTER_ENV")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", alias="MAXBOOSTER_DATA_DIR")
    app_url: str = Field(default="http://localhost:3000", alias="APP_URL")
    api_url_raw: str = Field(default="", alias="API_URL")
    allowed_origins_raw: str = Field(default="", alias="ALLOWED_ORIGINS")
    secret_key_raw: str = Field(default="", alias="SECRET_KEY")
    database_url_raw: str = Field(default="", alias="DATABASE_URL")
    redis_url: str = Field(default="", alias="REDIS_URL")
    celery_broker_url_raw: str = Field(default="", alias="CELERY_BROKER_URL")
    upload_max_bytes: int = Field(default=500 * 1024 * 1024, alias="UPLOAD_MAX_BYTES")
    min_free_disk_bytes: int = Field(default=1024 * 1024 * 1024, alias="MIN_FREE_DISK_BYTES")
    job_lease_seconds: int = Field(default=30, alias="JOB_LEASE_SECONDS")
    job_max_attempts: int = Field(default=3, alias="JOB_MAX_ATTEMPTS")
    worker_heartbeat_seconds: int = Field(default=5, alias="WORKER_HEARTBEAT_SECONDS")
    worker_concurrency: int = Field(default=2, alias="WORKER_CONCURRENCY")
    web_workers_raw: int = Field(default=0, alias="WEB_WORKERS")
    trusted_proxies_raw: str = Field(default="", alias="TRUSTED_PROXIES")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    ddex_xsd_dir_raw: str = Field(default="", alias="MAXBOOSTER_DDEX_XSD_DIR")

    # SFTP delivery destination ("sftp"): key auth only, the server's host key must be known
    sftp_host: str = Field(default="", alias="DELIVERY_SFTP_HOST")
    sftp_port: int = Field(default=22, alias="DELIVERY_SFTP_PORT")
    sftp_user: str = Field(default="", alias="DELIVERY_SFTP_USER")
    sftp_key_path: str = Field(default="", alias="DELIVERY_SFTP_KEY_PATH")
    sftp_host_key: str = Field(default="", alias="DELIVERY_SFTP_HOST_KEY")
    sftp_remote_dir: str = Field(default=".", alias="DELIVERY_SFTP_REMOTE_DIR")
    sftp_timeout_s: float = Field(default=30, alias="DELIVERY_SFTP_TIMEOUT")

    # file storage: a local folder unless S3_BUCKET names a bucket of an S3-compatible service
    s3_endpoint_url_raw: str = Field(default="", alias="S3_ENDPOINT_URL")
    s3_bucket: str = Field(default="", alias="S3_BUCKET")
    s3_region: str = Field(default="us-east-1", alias="S3_REGION")
    s3_access_key_id: str = Field(default="", alias="S3_ACCESS_KEY_ID")
    s3_secret_access_key: str = Field(default="", alias="S3_SECRET_ACCESS_KEY")
    s3_prefix_raw: str = Field(default="", alias="S3_PREFIX")
    s3_addressing_style: str = Field(default="path", alias="S3_ADDRESSING_STYLE")

    # accounts
    session_idle_hours: float = Field(default=12, alias="SESSION_IDLE_HOURS")
    session_remember_days: float = Field(default=7, alias="SESSION_REMEMBER_DAYS")
    session_absolute_days: float = Field(default=30, alias="SESSION_ABSOLUTE_DAYS")
    session_cookie_name: str = Field(default="mb_session", alias="SESSION_COOKIE_NAME")
    redis_key_prefix: str = Field(default="mb", alias="REDIS_KEY_PREFIX")
    jwt_issuer: str = Field(default="maxbooster", alias="JWT_ISSUER")
    jwt_audience: str = Field(default="maxbooster-api", alias="JWT_AUDIENCE")
    jwt_access_minutes: int = Field(default=15, alias="JWT_ACCESS_MINUTES")
    jwt_refresh_days: int = Field(default=30, alias="JWT_REFRESH_DAYS")
    password_hash_memory_kib: int = Field(default=19456, alias="PASSWORD_HASH_MEMORY_KIB")
    password_hash_time_cost: int = Field(default=2, alias="PASSWORD_HASH_TIME_COST")
    password_hash_parallelism: int = Field(default=1, alias="PASSWORD_HASH_PARALLELISM")
    email_backend: str = Field(default="outbox", alias="EMAIL_BACKEND")
    smtp_host: str = Field(default="", alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_user: str = Field(default="", alias="SMTP_USER")
    smtp_password: str = Field(default="", alias="SMTP_PASSWORD")
    smtp_from: str = Field(default="Max Booster <no-reply@maxbooster.local>", alias="SMTP_FROM")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    smtp_timeout_s: float = Field(default=10, alias="SMTP_TIMEOUT")
    google_client_id: str = Field(default="", alias="GOOGLE_CLIENT_ID")
    google_client_secret: str = Field(default="", alias="GOOGLE_CLIENT_SECRET")
    google_issuer: str = Field(default="https://accounts.google.com", alias="GOOGLE_ISSUER")
    rate_limit_login_failures: str = Field(default="5/15 minutes", alias="RATE_LIMIT_LOGIN_FAILURES")
    account_lockout_minutes: int = Field(default=15, alias="ACCOUNT_LOCKOUT_MINUTES")
    rate_limit_ip: str = Field(default="30/15 minutes", alias="RATE_LIMIT_IP")
    rate_limit_key_prefix: str = Field(default="mb-limits", alias="RATE_LIMIT_KEY_PREFIX")
    reset_emails_per_hour: int = Field(default=3, alias="RESET_EMAILS_PER_HOUR")
    account_token_minutes: int = Field(default=60, alias="ACCOUNT_TOKEN_MINUTES")

    # billing: the embedded sandbox provider unless PAYMENTS_PROVIDER=stripe
    payments_provider: str = Field(default="sandbox", alias="PAYMENTS_PROVIDER")
    stripe_secret_key: str = Field(default="", alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field(default="", alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base_raw: str = Field(default="", alias="STRIPE_API_BASE")
    stripe_prices_raw: str = Field(default="", alias="STRIPE_PRICES")
    billing_grace_days: int = Field(default=7, ge=0, le=60, alias="BILLING_GRACE_DAYS")
    # marketplace: previews and the checks of uploaded ZIPs (packs, presets, plugins)
    marketplace_preview_seconds: int = Field(default=30, ge=5, le=120, alias="MARKETPLACE_PREVIEW_SECONDS")
    marketplace_zip_max_bytes: int = Field(default=4 * 1024**3, ge=1, alias="MARKETPLACE_ZIP_MAX_BYTES")
    marketplace_zip_max_ratio: int = Field(default=100, ge=2, alias="MARKETPLACE_ZIP_MAX_RATIO")
    marketplace_zip_max_entries: int = Field(default=10_000, ge=1, alias="MARKETPLACE_ZIP_MAX_ENTRIES")
    # marketplace commerce: the platform's fee per sale, how long a checkout holds an exclusive, downloads
    marketplace_fee_bps: int = Field(default=1000, ge=0, le=5000, alias="MARKETPLACE_FEE_BPS")
    marketplace_checkout_minutes: int = Field(default=30, ge=5, le=1440, alias="MARKETPLACE_CHECKOUT_MINUTES")
    marketplace_download_days: int = Field(default=365, ge=1, le=3650, alias="MARKETPLACE_DOWNLOAD_DAYS")
    marketplace_link_minutes: int = Field(default=60, ge=1, le=10080, alias="MARKETPLACE_LINK_MINUTES")
    rate_limit_receipts: str = Field(default="3/hour", alias="RATE_LIMIT_RECEIPTS")  # re-sent receipts per buyer
    # social publishing: connected accounts' tokens are encrypted with the first key, any key decrypts
    social_token_keys_raw: str = Field(default="", alias="SOCIAL_TOKEN_KEYS")
    social_allow_private_instances: bool = Field(default=False, alias="SOCIAL_ALLOW_PRIVATE_INSTANCES")
    social_http_timeout_s: float = Field(default=15, alias="SOCIAL_HTTP_TIMEOUT")
    social_publish_attempts: int = Field(default=8, alias="SOCIAL_PUBLISH_ATTEMPTS")
    social_publish_threads: int = Field(default=8, ge=0, le=64, alias="SOCIAL_PUBLISH_THREADS")
    # AI captions: an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp); unset: the built-in writer
    openai_base_url: str = Field(default="", alias="OPENAI_BASE_URL")
    openai_api_key: str = Field(default="", alias="OPENAI_API_KEY")
    openai_model: str = Field(default="gpt-4o-mini", alias="OPENAI_MODEL")
    openai_timeout_s: float = Field(default=20, alias="OPENAI_TIMEOUT")
    # social networks with one app of ours each: a network is offered only when its credentials are set
    x_client_id: str = Field(default="", alias="X_CLIENT_ID")
    x_client_secret: str = Field(default="", alias="X_CLIENT_SECRET")
    x_api_base: str = Field(default="https://api.x.com", alias="X_API_BASE")
    x_authorize_url: str = Field(default="https://x.com/i/oauth2/authorize", alias="X_AUTHORIZE_URL")
    facebook_app_id: str = Field(default="", alias="FACEBOOK_APP_ID")
    facebook_app_secret: str = Field(default="", alias="FACEBOOK_APP_SECRET")
    graph_api_base: str = Field(default="https://graph.facebook.com/v21.0", alias="GRAPH_API_BASE")
    facebook_authorize_url: str = Field(default="https://www.facebook.com/v21.0/dialog/oauth",
                                        alias="FACEBOOK_AUTHORIZE_URL")
    youtube_api_base: str = Field(default="https://www.googleapis.com", alias="YOUTUBE_API_BASE")
    google_oauth_authorize_url: str = Field(default="https://accounts.google.com/o/oauth2/v2/auth",
                                            alias="GOOGLE_OAUTH_AUTHORIZE_URL")
    google_oauth_base: str = Field(default="https://oauth2.googleapis.com", alias="GOOGLE_OAUTH_BASE")

    @property
    def cookie_secure(self) -> bool:
        """Session cookies carry Secure whenever the app is served over https."""
        return self.app_url.lower().startswith("https://")

    @field_validator("env")
    @classmethod
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "production", "test"}:
            raise ValueError(f"MAXBOOSTER_ENV must be development, production or test, not {value!r}")
        return value

    @field_validator("s3_addressing_style")
    @classmethod
    def _known_addressing(cls, value: str) -> str:
        if value not in {"path", "virtual"}:
            raise ValueError(f"S3_ADDRESSING_STYLE must be path or virtual, not {value!r}")
        return value

    @field_validator("s3_endpoint_url_raw")
    @classmethod
    def _http_endpoint(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"S3_ENDPOINT_URL must start with http:// or https://, not {value!r}")
        return value.rstrip("/")

    @field_validator("payments_provider")
    @classmethod
    def _known_payments_provider(cls, value: str) -> str:
        if value not in {"sandbox", "stripe"}:
            raise ValueError(f"PAYMENTS_PROVIDER must be sandbox or stripe, not {value!r}")
        return value

    @field_validator("stripe_api_base_raw")
    @classmethod
    def _http_stripe_base(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"STRIPE_API_BASE must start with http:// or https://, not {value!r}")
        return value.rstrip("/")

    @field_validator("stripe_prices_raw")
    @classmethod
    def _stripe_prices_shape(cls, value: str) -> str:
        _parse_stripe_prices(value)
        return value

    @property
    def stripe_api_base(self) -> str:
        """STRIPE_API_BASE, else Stripe's own API."""
        return self.stripe_api_base_raw or "https://api.stripe.com"

    @property
    def stripe_prices(self) -> dict[tuple[str, str], str]:
        """(plan, interval) -> Stripe price id, from `STRIPE_PRICES=pro:month=price_…,pro:year=price_…`."""
        return _parse_stripe_prices(self.stripe_prices_raw)

    @field_validator("social_token_keys_raw")
    @classmethod
    def _fernet_keys(cls, value: str) -> str:
        for n, key in enumerate(k.strip() for k in value.split(",") if k.strip()):
            try:
                ok = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
            except (ValueError, UnicodeEncodeError):
                ok = False
            if not ok:
                raise ValueError(f"SOCIAL_TOKEN_KEYS: key {n + 1} is not a Fernet key (32 url-safe base64 bytes; "
                                 "make one with `python -c \"from cryptography.fernet import Fernet; "
                                 "print(Fernet.generate_key().decode())\"`)")
        return value

    @property
    def social_token_keys(self) -> list[bytes]:
        """Fernet keys for connected accounts' tokens, newest first (it encrypts; every key decrypts).

        SOCIAL_TOKEN_KEYS, else (outside production) one key derived from SECRET_KEY, the way the other
        secrets are derived: HMAC-SHA256(secret, purpose label). Production must set it explicitly, so
        changing SECRET_KEY never makes stored tokens unreadable."""
        keys = [k.strip().encode("ascii") for k in self.social_token_keys_raw.split(",") if k.strip()]
        if keys:
            return keys
        if self.is_production:
            raise ConfigError("SOCIAL_TOKEN_KEYS must be set when MAXBOOSTER_ENV=production "
                              "to keep connected social accounts' tokens")
        digest = hmac.new(self.secret_key.encode(), b"maxbooster/social-tokens", hashlib.sha256).digest()
        return [base64.urlsafe_b64encode(digest)]

    @property
    def api_url(self) -> str:
        """Where /api is reached from a browser; the app serves it on its own origin by default."""
        return (self.api_url_raw or self.app_url).rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @cached_property
    def database_url(self) -> str:  # read on every database session: worked out once
        return self.database_url_raw or f"sqlite:///{self.data_dir / 'maxbooster.db'}"

    @property
    def celery_broker_url(self) -> str:
        """Configured broker, else the embedded SQLAlchemy transport on its own SQLite file."""
        return self.celery_broker_url_raw or f"sqla+sqlite:///{self.data_dir / 'broker.db'}"

    @property
    def broker_is_embedded(self) -> bool:
        return not self.celery_broker_url_raw

    @property
    def allowed_origins(self) -> list[str]:
        if self.allowed_origins_raw:
            return [o.strip().rstrip("/") for o in self.allowed_origins_raw.split(",") if o.strip()]
        return [self.app_url.rstrip("/")]

    @property
    def web_workers(self) -> int:
        """Backend processes of the web app: WEB_WORKERS, else one per CPU core (with Redis state;
        the in-memory state of the embedded default always needs exactly one)."""
        if not self.redis_url:
            return 1
        return self.web_workers_raw or max(1, os.cpu_count() or 1)

    @property
    def trusted_proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies_raw.split(",") if p.strip()]

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def delivery_dir(self) -> Path:
        """Where the folder destination writes release packages (DDEX batches)."""
        return self.data_dir / "deliveries"

    @property
    def ddex_xsd_dir(self) -> Path | None:
        """The folder with DDEX's ERN 4.3 schema (`ern43/release-notification.xsd` and
        `allowed-value-sets.xsd`): MAXBOOSTER_DDEX_XSD_DIR, else `../shared/ddex` beside the checkout
        when it is there (DDEX's licence: validate against it, never copy it into the repository)."""
        if self.ddex_xsd_dir_raw:
            return Path(self.ddex_xsd_dir_raw).expanduser().resolve()
        sibling = PROJECT_ROOT.parent / "shared" / "ddex"
        return sibling if (sibling / "ern43" / "release-notification.xsd").is_file() else None

    @property
    def storage_is_s3(self) -> bool:
        return bool(self.s3_bucket)

    @property
    def s3_endpoint_url(self) -> str:
        """S3_ENDPOINT_URL, else AWS's regional endpoint (explicit, so presigned URLs have a known origin)."""
        return self.s3_endpoint_url_raw or f"https://s3.{self.s3_region}.amazonaws.com"

    @property
    def s3_prefix(self) -> str:
        """S3_PREFIX as a folder ('' or ending in '/', never starting with '/')."""
        prefix = self.s3_prefix_raw.strip().strip("/")
        return f"{prefix}/" if prefix else ""

    @property
    def secret_key(self) -> str:
        """Explicit SECRET_KEY, or (outside production) one generated once under data/."""
        if self.secret_key_raw:
            return self.secret_key_raw
        if self.is_production:
            raise ConfigError("SECRET_KEY must be set when MAXBOOSTER_ENV=production")
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def check_production(self) -> None:
        """Refuse to start a production instance without explicit secret and origins, or with test-only
        settings."""
        if not self.is_production:
            return
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", self.secret_key_raw),
                ("ALLOWED_ORIGINS", self.allowed_origins_raw),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "MAXBOOSTER_ENV=production refuses to start without explicit " + " and ".join(missing)
            )
        if self.social_allow_private_instances:
            raise ConfigError("SOCIAL_ALLOW_PRIVATE_INSTANCES=true is for tests only; "
                              "MAXBOOSTER_ENV=production refuses to start with it")


def _parse_stripe_prices(raw: str) -> dict[tuple[str, str], str]:
    prices: dict[tuple[str, str], str] = {}
    for item in (i.strip() for i in raw.split(",")):
        if not item:
            continue
        key, _, price_id = item.partition("=")
        plan, _, interval = key.strip().partition(":")
        if plan not in {"pro", "label"} or interval not in {"month", "year"} or not price_id.strip():
            raise ValueError(f"STRIPE_PRICES entries look like pro:month=price_123 (plan pro or label, "
                             f"interval month or year), not {item!r}")
        prices[(plan, interval)] = price_id.strip()
    return prices


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call get_settings.cache_clear())."""
    return Settings()
