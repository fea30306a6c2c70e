"""Typed settings, declared once (name, type, default, help) with pydantic-settings.

Read from the environment (``SPINECARE_*``) and overridden by command-line flags. A value
of the wrong type (a misspelt boolean, a malformed size) is refused with a message naming
the variable. Unsafe values are refused outside development (for instance the CDS Hooks
JWT check turned off, or a weak secret key set on purpose).

Without ``SPINECARE_SECRET_KEY`` the app makes a random key on first start and keeps it
in the data directory (file mode 0600), so ``spinecare serve`` starts with no settings.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import ByteSize, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from spinecare.errors import InputError
from spinecare.messages import Message

DEV_SECRET = "development-only-secret-key-change-me"
MIN_SECRET_LENGTH = 32
SECRET_FILE = "secret_key"
MAX_SESSION_IDLE_MINUTES = 12 * 60
"""A web sign-in lasts 12 hours at most: a longer idle limit would never apply."""
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Host names always answered, whatever is configured: a reverse proxy that sends its
upstream's address (nginx's default) and a monitor on the machine itself."""
HOST_NAME = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]{1,63}|[0-9a-f:.]+"
)
"""A host name in ASCII: DNS labels (an internationalised one in its ``xn--`` form), an
IPv4 address or an IPv6 one without brackets."""


def canonical_host(name: str) -> str | None:
    """``name`` (a host of a URL, a ``Host`` header or a setting) in the one form hosts
    are compared in, or None where it is no host name: lower case, without a final dot;
    an internationalised name (``спина.больница.рф``) in the ASCII form browsers send
    (``xn--80appgj.xn--80abvlke3d3b.xn--p1ai``, IDNA 2008 with the UTS 46 mapping); an
    IPv6 address without brackets and compressed (``2001:db8::1``)."""
    name = name.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    name = name.rstrip(".")
    if ":" in name:
        if "%" in name:  # a zone id names an interface of one machine, never a site
            return None
        try:
            return ipaddress.IPv6Address(name).compressed
        except ValueError:
            return None
    if not name.isascii():
        import idna

        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    name = name.lower()
    return name if HOST_NAME.fullmatch(name) else None


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("spinecare", appauthor=False))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPINECARE_", validate_assignment=False)

    environment: Literal["development", "test", "production"] = Field(
        "production",
        description="development, test or production; unsafe settings only in development",
    )
    data_dir: str = Field(
        "",
        description="where the app keeps its files: the default SQLite database and the "
        "generated secret key (default: the user's data directory)",
    )
    db_url: str = Field(
        "", description="SQLAlchemy URL (default: SQLite file in the data directory)"
    )
    secret_key: str = Field(
        "",
        description="signs login sessions; when unset, a random key is made on first start "
        "and kept in the data directory; a weak key (under 32 characters) is refused "
        "outside development",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="public address of the app, the one browsers open it at (http:// or "
        "https://, a host, a port and a path if need be; no query or fragment: anything "
        "else stops the start); used in links (CDS Hooks cards, the SMART launch's return "
        "address); the only audience CDS Hooks JWTs may name; where set, a form an older "
        "browser sends from a page of another address is refused, and a request for a host "
        "other than its own (or one of SPINECARE_ALLOWED_HOSTS) is refused (400); an "
        "https address makes the cookies `__Host-` cookies (Secure, this host only); a "
        "Cyrillic (internationalised) host is compared in the `xn--` form browsers send; "
        "outside development, leaving it unset is warned about at start and on the "
        "administrator's user list",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="host names the app also answers to besides the public address's "
        "(comma-separated, no scheme or port: an internal name a proxy or a monitor uses; "
        "a Cyrillic name and any spelling of an IPv6 address are taken); "
        "once this or SPINECARE_BASE_URL is set, a request naming any other host in its "
        "Host header is refused (400); localhost, 127.0.0.1 and ::1 are always answered",
    )
    cds_jwt_required: bool = Field(
        True, description="check the EHR's JWT on CDS Hooks calls (off only in development)"
    )
    cds_issuers: str = Field(
        "",
        description="path to a JSON file: allow-listed issuers with their JWKS or jku, and "
        "the FHIR servers each may have data fetched from; needs SPINECARE_BASE_URL, the "
        "audience their JWTs name",
    )
    smart_ehrs: str = Field(
        "",
        description="path to a JSON file: the EHRs spinecare may be opened from by SMART App "
        "Launch (client id, clinic, EHR users mapped to accounts, the EHR origins that may "
        "frame the pages); needs SPINECARE_BASE_URL, where the EHR sends the browser back",
    )
    cds_fhir_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="host names or CIDR networks on loopback, link-local or private addresses "
        "that the CDS Hooks service may fetch FHIR data from (comma-separated)",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins allowed to call the CDS Hooks service from a browser "
        "(comma-separated)",
    )
    max_body_bytes: ByteSize = Field(
        ByteSize(5_000_000),
        gt=0,
        description="largest request body accepted: bytes, or with a unit (5MB, 5MiB)",
    )
    max_inflated_bytes: ByteSize = Field(
        ByteSize(128 * 1024 * 1024),
        gt=0,
        description="largest size a gzip document (an upload, a Bundle, an NDJSON line) may "
        "inflate to, checked while it inflates: bytes, or with a unit (128MiB)",
    )
    reset_password_hours: int = Field(
        72,
        gt=0,
        le=24 * 30,
        description="hours a one-time password from an administrator's reset signs in (once); "
        "after that the administrator sets a new one (at most 720)",
    )
    session_idle_minutes: int = Field(
        60,
        gt=0,
        le=MAX_SESSION_IDLE_MINUTES,
        description="minutes a web sign-in may go unused (no page opened, no form sent) "
        "before it ends, so that a browser left signed in on a shared ward computer is not "
        "open to the next person (60: a course session fits between two pages: the day's "
        "check, up to 30 minutes of massage with undressing and rest, then its record); the "
        "sign-in page then says so and opens the page asked for; the 12 hours of a sign-in "
        "still hold (1 to 720; set at sign-in; personal API tokens have none)",
    )
    demo: bool = Field(False, description="seed demo users and patients on start")

    @field_validator("cors_origins", "cds_fhir_allowed_hosts", "allowed_hosts", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return _split(value) if isinstance(value, str) else value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        names = [canonical_host(name) for name in value]
        wrong = [given for given, name in zip(value, names, strict=True) if name is None]
        if wrong:
            raise ValueError(f"a host name only, without scheme, port or path: {', '.join(wrong)}")
        return [name for name in names if name is not None]

    @field_validator("base_url")
    @classmethod
    def _public_address(cls, value: str) -> str:
        value = value.strip()
        wanted = (
            "not an address browsers can open spinecare at: give http:// or https://, a "
            "host, and a port and a path if need be (https://spinecare.hospital.example)"
        )
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (a port out of range or not a number raises)
        except ValueError as exc:
            raise ValueError(f"{wanted}; {exc}") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(wanted)
        if parts.query or parts.fragment or "?" in value or "#" in value:
            raise ValueError(f"{wanted}, with no query (?) or fragment (#)")
        if parts.username is not None or parts.password is not None:
            raise ValueError(f"{wanted}, with no user name or password")
        if canonical_host(parts.hostname) is None:
            raise ValueError(f"{wanted}; its host is no host name")
        return value

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The settings of the environment, with ``overrides`` (flags) on top, validated."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            settings = cls(**given)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise InputError(describe(exc)) from None
        settings.validate()
        return settings

    @property
    def development(self) -> bool:
        return self.environment in {"development", "test"}

    @property
    def base_url_configured(self) -> bool:
        """Whether the public address was given (``SPINECARE_BASE_URL``), not left at its
        default: the address browsers send forms to only then."""
        return "base_url" in self.model_fields_set

    @property
    def https(self) -> bool:
        """Whether the deployment is served over HTTPS: its public address
        (``SPINECARE_BASE_URL``) is an ``https`` one. Its cookies are then ``__Host-``
        cookies (:func:`spinecare.clinic.accounts.cookie_name`)."""
        return urlsplit(self.base_url.strip()).scheme.lower() == "https"

    @property
    def trusted_hosts(self) -> frozenset[str] | None:
        """The host names a request's ``Host`` header may name, lower case, or None where
        neither the public address nor ``SPINECARE_ALLOWED_HOSTS`` is configured (any
        host is answered: ``make run``, a first try)."""
        if not self.base_url_configured and not self.allowed_hosts:
            return None
        own = canonical_host(urlsplit(self.base_url).hostname or "")
        names = {*LOOPBACK_HOSTS, *self.allowed_hosts}
        if self.base_url_configured and own:
            names.add(own)
        return frozenset(names)

    @property
    def public_address_missing(self) -> bool:
        """Whether a deployment outside development runs without its public address
        (``SPINECARE_BASE_URL``): its cookies are then not ``__Host-`` cookies, although
        ``Secure`` (served over HTTPS), and a request for any host is answered. Said at
        start and on the administrator's pages; ``make run`` (development) is not
        concerned."""
        return not self.development and not self.base_url_configured

    @property
    def session_idle(self) -> timedelta:
        """How long a web sign-in may go unused (``session_idle_minutes``)."""
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    def validate(self) -> None:  # type: ignore[override]
        """Fill the defaults that depend on other settings; refuse unsafe values."""
        if not self.db_url:
            folder = self.data_path
            folder.mkdir(parents=True, exist_ok=True)
            self.db_url = f"sqlite:///{folder / 'spinecare.sqlite'}"
        if not self.secret_key:
            # a development instance (``serve --demo``, ``make run``) signs with a key of its
            # own too: a key written in the source lets anyone sign a session's or a form's
            # token for it; only the test suite's instances share one
            testing = self.environment == "test"
            self.secret_key = DEV_SECRET if testing else stored_secret(self.data_path)
        elif not self.development and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise InputError(
                Message(
                    "SPINECARE_SECRET_KEY is weak: use at least %(n)s random characters, or "
                    "leave it unset to have one made and kept in the data directory",
                    n=MIN_SECRET_LENGTH,
                )
            )
        if self.smart_ehrs and not self.base_url_configured:
            raise InputError(
                Message(
                    "SPINECARE_SMART_EHRS needs SPINECARE_BASE_URL, the address browsers open "
                    "spinecare at: the EHR sends the browser back to it after a launch"
                )
            )
        if self.cds_issuers and not self.base_url_configured:
            raise InputError(
                Message(
                    "SPINECARE_CDS_ISSUERS needs SPINECARE_BASE_URL, the address EHRs call "
                    "spinecare at: their calls are signed for it, and every call would be "
                    "refused"
                )
            )
        if not self.cds_jwt_required and not self.development:
            raise InputError(
                Message(
                    "SPINECARE_CDS_JWT_REQUIRED=false is refused outside development: "
                    "CDS Hooks calls must carry the EHR's JWT"
                )
            )


def describe(exc: ValidationError) -> str:
    """One line per wrong setting, each naming its variable."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"][:1]) or "settings"
        shown = error.get("input")
        said = error["msg"].removeprefix("Value error, ")
        lines.append(f"SPINECARE_{name.upper()}: {said} (got {shown!r})")
    return "; ".join(lines)


def stored_secret(folder: Path) -> str:
    """The secret key kept in ``folder`` (made, random, on first use; mode 0600)."""
    path = folder / SECRET_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            Message("the stored secret key cannot be read: %(reason)s", reason=str(exc))
        ) from None
    if len(key) >= MIN_SECRET_LENGTH:
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    os.chmod(path, 0o600)
    return key


SETTINGS_HELP = {name: f.description or "" for name, f in Settings.model_fields.items()}


def render_docs() -> str:
    """``docs/settings.md``, generated from the one declaration above (a test checks it)."""
    lines = [
        "# Settings",
        "",
        "Generated by `python -m spinecare.settings > docs/settings.md` from the declaration in",
        "`spinecare/settings.py`. Each is read from the environment; `spinecare serve` flags",
        "override them. A value of the wrong type (a misspelt boolean such as `ture`, a",
        "malformed size) is refused with a message naming the variable. Booleans are",
        "`true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); sizes are bytes or a number",
        "with a unit (`5MB` is 5,000,000 bytes, `5MiB` 5,242,880).",
        "",
        "With no settings at all `spinecare serve` starts: on first start it makes a random",
        "secret key and keeps it in the data directory (file `secret_key`, mode 0600), so",
        "logins survive a restart. A development instance (`serve --demo`, `make run`) does",
        "the same: a key written in the source would let anyone sign a session's or a form's",
        "token for it; only `SPINECARE_ENVIRONMENT=test` (the test suite) uses the fixed",
        "development key. Outside development the app refuses unsafe values set on",
        "purpose: a weak secret key (the development key, or under 32 characters) or the",
        "CDS Hooks JWT check turned off.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, f in Settings.model_fields.items():
        default = f.get_default(call_default_factory=True)
        shown = f"`{default}`" if default not in ("", []) else "(none)"
        lines.append(f"| `SPINECARE_{name.upper()}` | {shown} | {f.description or ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_docs(), end="")
