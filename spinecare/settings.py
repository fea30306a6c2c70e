"""Typed settings, declared once as data (name, default, help).

Read from the environment (``SPINECARE_*``) and overridden by command-line flags. Unsafe
values are refused outside development (for instance the CDS Hooks JWT check turned
off, or the built-in development secret key).
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from spinecare.errors import InputError

DEV_SECRET = "development-only-secret-key-change-me"


def default_db_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("spinecare", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'spinecare.sqlite'}"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass
class Settings:
    environment: str = field(
        default="production",
        metadata={"help": "development, test or production; unsafe settings only in development"},
    )
    db_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL (default: SQLite file in the user's data directory)"},
    )
    secret_key: str = field(
        default="", metadata={"help": "signs login sessions; required outside development"}
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "help": "public address of the app, used in links (CDS Hooks cards); the only "
            "audience CDS Hooks JWTs may name"
        },
    )
    cds_jwt_required: bool = field(
        default=True,
        metadata={"help": "check the EHR's JWT on CDS Hooks calls (off only in development)"},
    )
    cds_issuers: str = field(
        default="",
        metadata={"help": "path to a JSON file: allow-listed issuers with their JWKS or jku"},
    )
    smart_ehrs: str = field(
        default="",
        metadata={
            "help": "path to a JSON file: the EHRs spinecare may be opened from by SMART App "
            "Launch (client id, clinic, EHR users mapped to accounts)"
        },
    )
    cds_fhir_allowed_hosts: list[str] = field(
        default_factory=list,
        metadata={
            "help": "host names or CIDR networks on loopback, link-local or private addresses "
            "that the CDS Hooks service may fetch FHIR data from (comma-separated)"
        },
    )
    cors_origins: list[str] = field(
        default_factory=list,
        metadata={"help": "origins allowed to call the CDS Hooks service from a browser"},
    )
    max_body_bytes: int = field(
        default=5_000_000, metadata={"help": "largest request body accepted (bytes)"}
    )
    demo: bool = field(default=False, metadata={"help": "seed demo users and patients on start"})

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"SPINECARE_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("list[str]", list):
                values[f.name] = _split(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    @property
    def development(self) -> bool:
        return self.environment in {"development", "test"}

    def validate(self) -> None:
        if self.environment not in {"development", "test", "production"}:
            raise InputError(
                f"SPINECARE_ENVIRONMENT: '{self.environment}' is not one of "
                "development, test, production"
            )
        if not self.db_url:
            self.db_url = default_db_url()
        if not self.secret_key:
            if not self.development:
                raise InputError(
                    "SPINECARE_SECRET_KEY must be set outside development "
                    "(or run with SPINECARE_ENVIRONMENT=development)"
                )
            self.secret_key = DEV_SECRET
        if not self.development and self.secret_key == DEV_SECRET:
            raise InputError("the development secret key cannot be used outside development")
        if not self.cds_jwt_required and not self.development:
            raise InputError(
                "SPINECARE_CDS_JWT_REQUIRED=false is refused outside development: "
                "CDS Hooks calls must carry the EHR's JWT"
            )


SETTINGS_HELP = {f.name: f.metadata.get("help", "") for f in fields(Settings)}


def render_docs() -> str:
    """``docs/settings.md``, generated from the one declaration above (a test checks it)."""
    lines = [
        "# Settings",
        "",
        "Generated by `python -m spinecare.settings > docs/settings.md` from the declaration in",
        "`spinecare/settings.py`. Each is read from the environment; `spinecare serve` flags",
        "override them. Outside development the app refuses unsafe values (no secret key, the",
        "development secret key, or the CDS Hooks JWT check turned off).",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for f in fields(Settings):
        default = f.default if f.default_factory is MISSING else f.default_factory()  # type: ignore[misc]
        shown = f"`{default}`" if default not in ("", []) else "(none)"
        lines.append(f"| `SPINECARE_{f.name.upper()}` | {shown} | {f.metadata.get('help', '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_docs(), end="")
