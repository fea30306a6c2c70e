"""Users, passwords (argon2id) and login sessions.

Failed sign-ins slow down further attempts (:mod:`spinecare.clinic.logins`); no account
is ever locked."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import CurrentUser
from spinecare.clinic.permissions import acting
from spinecare.i18n import SOURCE_LANGUAGE, is_language, language_of, languages
from spinecare.messages import N_, Message
from spinecare.settings import Settings
from spinecare.store.errors import AccessDenied, FormError
from spinecare.store.models import ROLES, Clinic, LoginSession, PatientRow, User, as_utc
from spinecare.store.usernames import username_key
from spinecare.wording import LanguageNames, RoleNames

__all__ = [
    "LOOKS_THE_SAME",
    "SEEN_EVERY",
    "SESSION_COOKIE",
    "SESSION_HOURS",
    "Login",
    "PasswordChangeRequired",
    "PasswordExpired",
    "authenticate",
    "burn_password_work",
    "change_password",
    "check_password_chosen",
    "cookie_name",
    "cookie_token",
    "cookie_value",
    "create_user",
    "current_user",
    "easily_guessed",
    "end_session",
    "find_user",
    "for_one_sign_in",
    "get_or_create_clinic",
    "hash_password",
    "keep_sign_in_language",
    "lock_clinic",
    "login_for_token",
    "own_record_language",
    "request_settings",
    "reset_password",
    "sent_cookie",
    "set_language",
    "set_user_active",
    "sign",
    "signed",
    "start_session",
    "update_user",
    "use_password_hasher",
    "user_for_token",
    "username_form_problem",
    "username_problem",
]

SESSION_HOURS = 12
"""The longest a web sign-in lasts, however much it is used."""
SEEN_EVERY = timedelta(minutes=1)
"""How often a session's last use is written: at most once a minute, so a page costs the
store no write (the idle limit is counted in minutes)."""
MIN_PASSWORD = 8


class PasswordExpired(Exception):
    """The right one-time password, used already or past its expiry: the administrator sets
    a new one."""


_hasher = PasswordHasher()  # argon2id with the library's current parameters


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Replace the argon2id parameters (tests use cheap ones; never lower them in a clinic)."""
    global _hasher
    _hasher = hasher


def now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def get_or_create_clinic(session: Session, name: str) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.name == name))
    if clinic is None:
        clinic = Clinic(name=name, created_at=now())
        session.add(clinic)
        session.flush()
    return clinic


def create_user(
    session: Session,
    *,
    clinic: Clinic,
    username: str,
    password: str,
    role: str,
    full_name: str | None = None,
    patient: PatientRow | None = None,
) -> User:
    """A new user; raises :class:`FormError` naming each wrong field."""
    errors: dict[str, str] = {}
    username = username.strip()
    problem = username_problem(session, username, clinic.id)
    if problem:
        errors["username"] = problem
    if role not in ROLES:
        errors["role"] = Message("one of %(choices)s", choices=RoleNames(*ROLES))
    name = " ".join((full_name or username).split())
    if len(name) > 200:
        errors["full_name"] = Message("required, at most 200 characters")
    problem = _password_problem(
        password, username=username, full_name=full_name, clinic_name=clinic.name
    )
    if problem:
        errors["password"] = problem
    if role == "patient" and patient is None:
        errors["patient"] = N_("a patient account needs the patient record it may see")
    if patient is not None and patient.clinic_id != clinic.id:
        errors["patient"] = N_("the patient belongs to another clinic")
    if errors:
        raise FormError(errors)
    user = User(
        clinic_id=clinic.id,
        username=username,
        full_name=name,
        role=role,
        password_hash=hash_password(password),
        patient_id=patient.id if patient is not None else None,
        active=True,
        failed_logins=0,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    return user


USERNAME_FORM = N_("letters, digits, '.', '-' or '_' (1 to 100 characters)")
LOOKS_THE_SAME = N_(
    "'%(name)s' looks the same as the user name '%(other)s' of another account; "
    "choose a user name that reads differently"
)


USERNAME_MAX = 100
"""The longest user name, in characters."""


def username_form_problem(username: str) -> str | None:
    """:data:`USERNAME_FORM` when ``username`` (stripped) is not of that form, else None."""
    if (
        not username
        or len(username) > USERNAME_MAX
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        return USERNAME_FORM
    return None


def username_problem(
    session: Session, username: str, clinic_id: int, user_id: int | None = None
) -> str | None:
    """What is wrong with ``username`` (stripped) for a new account, or for the account
    ``user_id`` renamed; None when nothing is.

    A name that looks the same as another account's (the same folded key: ``ADMIN`` for
    ``admin``, a Cyrillic ``е`` for a Latin ``e``) is taken: the other account's name is
    said when it is of the same clinic (``clinic_id``), never another clinic's."""
    problem = username_form_problem(username)
    if problem is not None:
        return problem
    other = session.execute(
        select(User.id, User.username, User.clinic_id).where(
            User.username_key == username_key(username)
        )
    ).first()
    if other is None or other.id == user_id:
        return None
    if other.username == username or other.clinic_id != clinic_id:
        return Message("'%(name)s' is taken; choose another user name", name=username)
    return Message(LOOKS_THE_SAME, name=username, other=other.username)


def find_user(session: Session, username: str) -> User | None:
    """The account whose user name is ``username`` or looks the same (the same folded
    key: ``Admin`` signs in to ``admin``); there is at most one (a unique index)."""
    return session.scalar(select(User).where(User.username_key == username_key(username)))


def burn_password_work(password: str) -> None:
    """The work of one password check, for answers that check none (same answer time)."""
    _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account active, else None;
    :class:`PasswordExpired` for a one-time password (an administrator's reset) past its
    expiry or used already (it signs in once).

    The password is hashed whether or not the user exists or is active, so the answer
    takes the same time; each failure is recorded (an unknown name for the whole
    installation: no clinic)."""
    user = find_user(session, username)
    if user is None or not user.active:
        burn_password_work(password)  # same work whether or not the user exists
        audit(session, None, "login_failed", "user", username[:100])
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        audit(session, user, "login_failed", "user", str(user.id))
        return None
    # a one-time password signs in once (the session it opens may only choose a new
    # password); taken in one statement, so two sign-ins at one moment cannot both have it
    if user.must_change_password and (_one_time_expired(user) or not _take_one_time(session, user)):
        audit(session, user, "password_expired", "user", str(user.id))
        raise PasswordExpired
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(session, user, "login", "user", str(user.id))
    return user


def _take_one_time(session: Session, user: User) -> bool:
    """Mark the one-time password used (its expiry set to now), unless another sign-in did
    since it was read: one UPDATE on the expiry read, so exactly one sign-in takes it."""
    moment = now()
    taken = session.execute(
        update(User)
        .where(User.id == user.id, User.password_expires_at == user.password_expires_at)
        .values(password_expires_at=moment)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):  # a CursorResult: the rows it changed
        return False
    set_committed_value(user, "password_expires_at", moment)
    return True


def _one_time_expired(user: User) -> bool:
    """A one-time password is used once, before its expiry (its sign-in sets the expiry to
    that moment); one without an expiry (set before passwords had one) counts as expired."""
    expires = user.password_expires_at
    return expires is None or now() >= as_utc(expires)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, user: CurrentUser, *, idle: timedelta, replacing: str | None = None
) -> str:
    """A new login session, which ends after :data:`SESSION_HOURS` or once unused for
    ``idle`` (``SPINECARE_SESSION_IDLE_MINUTES`` at sign-in); returns the token (only its
    hash is stored). ``replacing``, the login the browser came with (a sign-in, or a launch,
    over another's session on a shared computer), ends: its cookie is replaced, and its
    token no longer signs anyone in wherever else it was kept."""
    if replacing is not None:
        end_session(session, replacing)
    token = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        LoginSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=moment,
            expires_at=moment + timedelta(hours=SESSION_HOURS),
            last_seen_at=moment,
            idle_minutes=max(1, int(idle.total_seconds() // 60)),
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class Login:
    """Who a login session's token signs in (:func:`login_for_token`)."""

    user: CurrentUser | None
    idle_minutes: int | None = None
    """The session ended unused for that many minutes, its idle limit (the sign-in page
    says so); None otherwise."""


def login_for_token(session: Session, token: str, *, activity: bool = False) -> Login:
    """The one check of a login session (or personal API token): live (within its 12
    hours, or a token's days), its user active, and, for a web sign-in, used within its
    idle limit (``SPINECARE_SESSION_IDLE_MINUTES`` when it began; an API token has none).
    ``activity``: this request is the person's own (a page opened or a form sent), so the
    session's last use moves to now, written at most once every :data:`SEEN_EVERY`; its
    end never moves."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _digest(token)))
    moment = now()
    if row is None or as_utc(row.expires_at) <= moment:
        return Login(None)
    seen = as_utc(row.last_seen_at) if row.last_seen_at is not None else None
    idle = row.idle_minutes
    if seen is not None and idle is not None and moment - seen >= timedelta(minutes=idle):
        return Login(None, idle_minutes=idle)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return Login(None)
    if activity and seen is not None and moment - seen >= SEEN_EVERY:
        # one statement, whatever another request of the session did meanwhile
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == row.id)
            .values(last_seen_at=moment)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(row, "last_seen_at", moment)
    return Login(current_user(session, user))


def user_for_token(session: Session, token: str) -> CurrentUser | None:
    """The active user of a live login session (or API token), else None; reading it is
    not activity (:func:`login_for_token`)."""
    return login_for_token(session, token).user


def current_user(session: Session, user: User) -> CurrentUser:
    """``user`` as the adapters hold the signed-in user, with their interface language."""
    language = language_of(user.language) or language_of(own_record_language(session, user))
    return CurrentUser(
        id=user.id,
        clinic_id=user.clinic_id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        patient_id=user.patient_id,
        language=language or SOURCE_LANGUAGE,
        must_change_password=bool(user.must_change_password),
    )


class PasswordChangeRequired(AccessDenied):
    """The user's password was reset: nothing but choosing their own (``/password``)."""

    code = "password_change_required"


def check_password_chosen(user: CurrentUser) -> None:
    """Refuse every use of an account whose one-time password has not been replaced yet
    (the REST API too, so that the forced change cannot be gone around)."""
    if user.must_change_password:
        raise PasswordChangeRequired(
            Message(
                "your password was set by an administrator: choose your own first (%(page)s)",
                page="/password",
            )
        )


SESSION_COOKIE = "spinecare_session"
"""The login session cookie: a token and its HMAC (the app's secret key). The web pages
and the REST API read the same cookie, under :func:`cookie_name`."""
HOST_PREFIX = "__Host-"


def cookie_name(name: str, settings: Settings | None) -> str:
    """The name spinecare's cookie ``name`` is set and read under: ``__Host-name`` where
    the deployment is HTTPS (``Settings.https``), else ``name`` (plain-HTTP ``make run``).

    Browsers take a ``__Host-`` cookie only from the host itself, over HTTPS, ``Secure``,
    ``Path=/`` and with no ``Domain``: another host of the hospital's domain cannot set it
    in a clinician's browser (a login of its author's, or a sign-in form's nonce whose
    token it read), as it can set a plain ``spinecare_session`` with
    ``Domain=hospital.example``. A cookie of the plain name is then no cookie of
    spinecare's: a login kept under it from before the upgrade signs nobody in (the user
    signs in again)."""
    return HOST_PREFIX + name if settings is not None and settings.https else name


def request_settings(request: Any) -> Settings | None:
    """The settings of the app ``request`` came to (the clinic app's, or the standalone
    CDS Hooks service's), or None for a request outside an app."""
    try:
        state = request.app.state
    except (AttributeError, KeyError):
        return None
    web = getattr(state, "web", None)
    settings = getattr(web, "settings", None) or getattr(state, "settings", None)
    return settings if isinstance(settings, Settings) else None


def sent_cookie(request: Any, name: str) -> str | None:
    """The value of spinecare's cookie ``name`` that ``request`` carries, under the name
    the deployment gives it (:func:`cookie_name`)."""
    return request.cookies.get(cookie_name(name, request_settings(request)))  # type: ignore[no-any-return]


def sign(secret: str, value: str) -> str:
    """The HMAC-SHA256 of ``value`` under ``secret`` (hex)."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def signed(sent: str, signature: str) -> bool:
    """``sent`` (from a cookie, a form or a header) is ``signature`` (from :func:`sign`),
    compared in constant time. Whatever was sent is an answer: a value with a character
    outside ASCII (``hmac.compare_digest`` refuses to compare those as text) is a wrong
    one, never an internal error."""
    return hmac.compare_digest(sent.encode(), signature.encode())


def cookie_value(secret: str, token: str) -> str:
    """The session cookie's value for a login session ``token``."""
    return f"{token}.{sign(secret, 's:' + token)}"


def cookie_token(secret: str, raw: str | None) -> str | None:
    """The login session token a session cookie's value carries, if its signature holds."""
    if not raw or "." not in raw:
        return None
    token, sig = raw.rsplit(".", 1)
    if not signed(sig, sign(secret, "s:" + token)):
        return None
    return token


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


# ---------------------------------------------------------------------------------------
# Administration of users (the clinic's admin) and the user's own password


def own_record_language(session: Session, user: User) -> str | None:
    """The language written on the patient record of a patient's account (None for staff)."""
    if user.patient_id is None:
        return None
    patient = session.get(PatientRow, user.patient_id)
    return patient.language if patient else None


def set_language(session: Session, who: CurrentUser, language: str) -> None:
    """The user's own interface language (a language code the app has)."""
    if not is_language(language):
        raise FormError(
            {"language": Message("one of %(choices)s", choices=LanguageNames(*languages()))}
        )
    acting(session, who).language = language


def keep_sign_in_language(session: Session, who: CurrentUser, language: str | None) -> None:
    """The language of the page an account signed in from (the language switch's cookie,
    else the browser's), kept as the account's own when it has none yet and no patient
    record gives one: its pages go on in the language it signed in with, not in English
    until it finds the switch."""
    user = acting(session, who)
    chosen = language_of(user.language) or language_of(own_record_language(session, user))
    if language_of(language) and not chosen:
        user.language = language_of(language)


def _password_problem(
    password: str, *, username: str, full_name: str | None, clinic_name: str | None
) -> str | None:
    """What makes ``password`` unfit for the account ``username`` of the clinic
    ``clinic_name`` (owned by
    ``full_name``), whether an administrator gives it or its owner chooses it: too short,
    or the user name itself, in any case or look-alike spelling (``PHYS1C1AN`` for
    ``physician``): the first guess at every account, one guess each, which no account's
    slowdown stops; or one of the most common passwords, or made of one or of the
    account's own words, its user name, its owner's name and its clinic's
    (:func:`easily_guessed`)."""
    if len(password) < MIN_PASSWORD:
        return Message("at least %(n)s characters", n=MIN_PASSWORD)
    if username_key(password.strip()) == username_key(username.strip()):
        return Message("must not be the user name")
    if easily_guessed(password, username, full_name, clinic_name):
        return Message(
            "too easy to guess: one of the most common passwords, or a common word or "
            "name with a few digits; a few words that do not go together make a good one"
        )
    return None


GUESSES = 6
"""A password guessed in fewer than 10**6 tries, by zxcvbn's estimate, is refused: its
score 0 and 1 ("too guessable", "very guessable"), which only a throttled sign-in
protects; 10**6 is what the sign-in's slowdown lets an attacker try at one account in
about two years, and an argon2 hash stolen with the database gives up within days."""
ESTIMATED_CHARACTERS = 40
"""A password is judged by its first 40 characters (none of zxcvbn's lists holds anything
near as long; its own limit is 72): the estimate costs time in the square of the length,
and it is asked by whoever may set a password, as often as they like."""
L33T_READINGS = 16
"""zxcvbn reads a password's digits and signs as letters in every way they may stand for
them (736 ways for a password holding each of ``!$%(+0123456789<@[{|``), and each way is
a search of every dictionary: 72 such characters took four seconds of a worker, 40 over
one. A password read in more than 16 ways is judged by its first :data:`L33T_HEAD`
characters (a common one is shorter: "P@$$w0rd!1234567")."""
L33T_HEAD = 16
_ESTIMATING = threading.Lock()
"""zxcvbn keeps the words of the account being judged in a dictionary of the module:
one estimate at a time, or one account's words would be read for another's."""
RUSSIAN_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
AS_TYPED_ON_LATIN_KEYS = str.maketrans(
    RUSSIAN_KEYS + RUSSIAN_KEYS.upper(), LATIN_KEYS + LATIN_KEYS.upper()
)
"""A password typed with the Russian keyboard layout on, as the same keys write it with
the Latin one: "йцукен" is "qwerty" typed in the wrong layout, a guess as common."""
_RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_LATIN_SPELLINGS = {
    # as people write Russian in Latin letters in a password ("parol", "solnce")
    "common": "a b v g d e e zh z i y k l m n o p r s t u f h c ch sh sch - y - e yu ya",
    # as a passport writes it (ICAO 9303: "ia", "kh", "ts")
    "passport": "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia",
}


def _spelling(latin: str) -> dict[int, str]:
    table: dict[int, str] = {}
    for letter, spelt in zip(_RUSSIAN_LETTERS, latin.split(), strict=True):
        spelt = "" if spelt == "-" else spelt
        table[ord(letter)] = spelt
        table[ord(letter.upper())] = spelt.capitalize()
    return table


RUSSIAN_IN_LATIN = tuple(_spelling(latin) for latin in _LATIN_SPELLINGS.values())
"""A password of Russian words as it is written in Latin letters ("пароль123" is
"parol123"), in the spelling people use and in a passport's: zxcvbn's lists hold no
Russian word in Cyrillic, but hold the most common ones as they are written in Latin
letters ("parol", "privet", "solnce", "natasha")."""


def easily_guessed(password: str, *context: str | None) -> bool:
    """Whether ``password`` is one of the most common passwords, or a common word, name,
    date, keyboard row or sequence with a few changes, as zxcvbn estimates it (its lists:
    30,000 most common passwords, English words and names, in any case, reversed or in
    l33t spelling), also, Russian words, as they are written in Latin letters
    (:data:`RUSSIAN_IN_LATIN`), and as its keys write it in the Latin layout
    (:data:`AS_TYPED_ON_LATIN_KEYS`), or made of the account's own words (``context``: its
    user name, its owner's name, its clinic's) and "spinecare"."""
    head = password[:ESTIMATED_CHARACTERS]
    words = ["spinecare"]
    for given in filter(None, context):
        words += [given, *(w for w in re.split(r"[\W_]+", given) if len(w) > 2)]
    forms = [_judged(head), _judged(head.translate(AS_TYPED_ON_LATIN_KEYS))]
    if any(ord(c) in RUSSIAN_IN_LATIN[0] for c in head):
        # before the layout's form: a Russian word is more often written so than mistyped;
        # not a form whose digits and signs read as letters in more ways than judged whole
        # (no word with a few digits: its cost was twice a Latin password's worst)
        spelt = [head.translate(t)[:ESTIMATED_CHARACTERS] for t in RUSSIAN_IN_LATIN]
        forms[1:1] = [form for form in spelt if _judged(form) == form]
    return any(_guesses_log10(form, words) < GUESSES for form in dict.fromkeys(forms))


def _judged(password: str) -> str:
    """What of ``password`` is estimated: all of it (at most :data:`ESTIMATED_CHARACTERS`),
    or its first :data:`L33T_HEAD` characters where its digits and signs could be read as
    letters in more than :data:`L33T_READINGS` ways."""
    from zxcvbn import matching  # type: ignore[import-untyped]

    table = matching.relevant_l33t_subtable(password, matching.L33T_TABLE)
    if len(matching.enumerate_l33t_subs(table)) > L33T_READINGS:
        return password[:L33T_HEAD]
    return password


def _guesses_log10(password: str, words: list[str]) -> float:
    """zxcvbn's estimate of ``password`` with the account's ``words``, one at a time
    (:data:`_ESTIMATING`)."""
    from zxcvbn import zxcvbn

    with _ESTIMATING:
        return float(zxcvbn(password, user_inputs=words)["guesses_log10"])


def update_user(
    session: Session,
    admin: User,
    user: User,
    *,
    full_name: str,
    role: str,
    language: str | None,
    patient: PatientRow | None,
    username: str | None = None,
) -> User:
    """Change a user's name, role, language and (for a patient account) patient record,
    and their user name when ``username`` is given."""
    errors: dict[str, str] = {}
    if username is not None:
        username = username.strip()
        problem = username_problem(session, username, user.clinic_id, user.id)
        if problem:
            errors["username"] = problem
    name = " ".join(full_name.split())
    if not name or len(name) > 200:
        errors["full_name"] = Message("required, at most 200 characters")
    if role not in ROLES:
        errors["role"] = Message("one of %(choices)s", choices=RoleNames(*ROLES))
    elif user.id == admin.id and role != "admin":
        errors["role"] = Message(
            "you cannot take the administrator role from yourself; ask another administrator"
        )
    if role == "patient" and patient is None:
        errors["patient"] = N_("a patient account needs the patient record it may see")
    if patient is not None and patient.clinic_id != user.clinic_id:
        errors["patient"] = N_("the patient belongs to another clinic")
    if language is not None and not is_language(language):
        errors["language"] = Message("one of %(choices)s", choices=LanguageNames(*languages()))
    if errors:
        raise FormError(errors)
    if user.role == "admin" and role != "admin" and user.active:
        _keep_an_admin(session, admin, user, "role")
    if username is not None and username != user.username:
        user.username = username
    user.full_name = name
    user.role = role
    user.language = language
    user.patient_id = patient.id if role == "patient" and patient is not None else None
    session.flush()
    return user


def lock_clinic(session: Session, clinic_id: int) -> None:
    """Hold the clinic's row until the transaction ends, so that changes to its accounts
    are decided one after the other (PostgreSQL: a row lock; SQLite: the write lock,
    which the first write of a transaction takes). Reads after it see what the changes
    before it committed."""
    session.execute(update(Clinic).where(Clinic.id == clinic_id).values(id=Clinic.id))


def _keep_an_admin(session: Session, admin: User, user: User, field: str) -> None:
    """Before ``user`` stops being an active administrator: the clinic keeps another,
    and ``admin`` still is one, both read under the clinic's lock (two administrators
    taking the role from each other at once: the second is refused)."""
    lock_clinic(session, user.clinic_id)
    session.refresh(admin)
    if admin.role != "admin" or not admin.active:
        raise AccessDenied(N_("you are no longer an administrator of this clinic"))
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.clinic_id == user.clinic_id,
            User.role == "admin",
            User.active.is_(True),
            User.id != user.id,
        )
    )
    if not others:
        raise FormError(
            {field: N_("the clinic keeps at least one active administrator; make another first")}
        )


def _end_sessions(session: Session, user: User, keep: str | None = None) -> None:
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        query = query.where(LoginSession.token_hash != _digest(keep))
    session.execute(query)


def set_user_active(session: Session, admin: User, user: User, active: bool) -> User:
    """Deactivate (signed out everywhere at once, cannot sign in) or reactivate a user.
    History stays: a user is never deleted, the audit log names them."""
    if user.id == admin.id and not active:
        raise FormError(
            {"active": Message("you cannot deactivate your own account; ask another administrator")}
        )
    if not active and user.active and user.role == "admin":
        _keep_an_admin(session, admin, user, "active")
    user.active = active
    if not active:
        _end_sessions(session, user)
    session.flush()
    return user


def for_one_sign_in(user: User, valid_for: timedelta) -> None:
    """``user``'s password is one an administrator knows (a reset's, or the one typed for
    a new account): it signs in once, until ``valid_for`` has passed, and that sign-in leads
    only to choosing their own, so that nobody else can act as them in the log."""
    user.must_change_password = True
    user.password_expires_at = now() + valid_for


def reset_password(session: Session, user: User, valid_for: timedelta) -> str:
    """A new one-time password for ``user`` (returned once, to be handed over in person),
    that signs in until ``valid_for`` has passed; the user must choose their own at that
    sign-in. Ends their sessions and any lock-out."""
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    for_one_sign_in(user, valid_for)
    user.failed_logins = 0
    user.locked_until = None
    _end_sessions(session, user)
    session.flush()
    return temporary


def change_password(
    session: Session, user: User, current: str, new: str, repeat: str, *, token: str | None
) -> None:
    """The user's own new password, once the current one checks out; other sessions end."""
    errors: dict[str, str] = {}
    if not current:
        errors["current"] = Message("required")
    else:
        try:
            _hasher.verify(user.password_hash, current)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            errors["current"] = Message("this is not your current password")
    clinic = session.get(Clinic, user.clinic_id)
    problem = _password_problem(
        new,
        username=user.username,
        full_name=user.full_name,
        clinic_name=clinic.name if clinic is not None else None,
    )
    if problem:
        errors["new"] = problem
    elif new == current:
        errors["new"] = Message("choose a password different from the current one")
    elif new != repeat:
        errors["repeat"] = Message("the two new passwords differ")
    if errors:
        raise FormError(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_expires_at = None
    _end_sessions(session, user, keep=token)
    session.flush()
