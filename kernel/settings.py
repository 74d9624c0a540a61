"""The one `Settings` object: nested, read from `JIKIMI_*` env vars and an optional TOML/YAML file.

Precedence (highest first): explicit overrides (CLI flags) > environment (`JIKIMI_…`, nested with
`__`, e.g. `JIKIMI_CRAWL__ALLOW_PRIVATE=1`) > config file (`--config` or `JIKIMI_CONFIG`) >
defaults.
Nothing is read at import time: call :func:`load_settings` (the CLI does) or :func:`get_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from kernel.errors import ConfigError
from kernel.settings_accounts import AccountSettings
from kernel.settings_backends import (
    BlobSettings,
    ElasticsearchSettings,
    EvidenceSettings,
    IndexSettings,
    PortalSettings,
    S3Settings,
    SchedulerSettings,
    StoreSettings,
)
from kernel.settings_file import check_config_file
from kernel.settings_pipeline import (
    DEFAULT_THRESHOLD,
    DEFAULT_THRESHOLDS,
    AlertSettings,
    CrawlSettings,
    FaceSettings,
    MatchingSettings,
    MediaSettings,
    ReviewSettings,
    Section,
    SecuritySettings,
    SignalSettings,
    VideoSettings,
)
from kernel.settings_takedown import TakedownSettings

__all__ = [
    "AccountSettings",
    "AlertSettings",
    "BlobSettings",
    "CrawlSettings",
    "DEFAULT_THRESHOLD",
    "DEFAULT_THRESHOLDS",
    "ElasticsearchSettings",
    "EvidenceSettings",
    "FaceSettings",
    "IndexSettings",
    "get_settings",
    "load_settings",
    "MatchingSettings",
    "MediaSettings",
    "PortalSettings",
    "ReviewSettings",
    "S3Settings",
    "SchedulerSettings",
    "Section",
    "SecuritySettings",
    "Settings",
    "SignalSettings",
    "StoreSettings",
    "TakedownSettings",
    "VideoSettings",
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="JIKIMI_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Path("./jikimi-data")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    faces: FaceSettings = Field(default_factory=FaceSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    signals: SignalSettings = Field(default_factory=SignalSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    blobs: BlobSettings = Field(default_factory=BlobSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    takedown: TakedownSettings = Field(default_factory=TakedownSettings)

    # -- derived paths -------------------------------------------------------------------------
    @property
    def sqlite_path(self) -> Path:
        return self.store.sqlite_path or self.data_dir / "jikimi.sqlite3"

    @property
    def face_index_dir(self) -> Path:
        """Beside the database it is derived from, so it follows a custom `store.sqlite_path`."""
        path = self.sqlite_path
        return self.index.folder or path.with_name(path.name + "-faceindex")

    @property
    def blob_uri(self) -> str:
        return self.blobs.uri or (self.data_dir / "blobs").resolve().as_uri()

    @property
    def evidence_uri(self) -> str:
        return self.evidence.uri or (self.data_dir / "evidence").resolve().as_uri()

    @property
    def sites_dir(self) -> Path:
        return self.data_dir / "sites"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def model_cache_dir(self) -> Path:
        return self.faces.cache_dir or self.data_dir / "models"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _CONFIG_FILE.get("path")
        if config_file is not None:
            if config_file.suffix in {".yaml", ".yml"}:
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
            else:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


_CONFIG_FILE: dict[str, Path | None] = {"path": None}


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from overrides, env and an optional config file; raise ConfigError if bad."""
    path = config_file or os.environ.get("JIKIMI_CONFIG")
    resolved = Path(path) if path else None
    if resolved is not None and not resolved.is_file():
        raise ConfigError(f"config file not found: {resolved}")
    if resolved is not None:
        check_config_file(resolved)
    _CONFIG_FILE["path"] = resolved
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
    finally:
        _CONFIG_FILE["path"] = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once on first use (for DAGs and library defaults)."""
    return load_settings()
