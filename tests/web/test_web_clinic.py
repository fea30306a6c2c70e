"""The clinic basics on the pages: search, contact details, past intakes, users, the
referral letter, the audit log."""

from __future__ import annotations

from tests.web.conftest import HTML, JSON, PASSWORDS, login


def _names(client, q: str) -> list[str]:
    response = client.get("/patients", params={"q": q}, headers=JSON)
    assert response.status_code == 200
    return sorted(p["name"] for p in response.json()["patients"])


def test_search_by_cyrillic_name_in_any_case_and_script(signed_in) -> None:
    client = signed_in("therapist")
    for q in ("Кузнецова", "кузнец", "KUZN", "kuznetsova", "НАТАЛЬЯ"):
        assert _names(client, q) == ["Наталья Кузнецова"], q
    assert _names(client, "федорова") == ["Ирина Фёдорова"]
    page = client.get("/patients", params={"q": "кузнец"}, headers=HTML)
    assert "Наталья Кузнецова" in page.text


def test_contact_details_are_shown_and_edited_with_clear_errors(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/edit"
    current = client.get(path, headers=JSON).json()
    token = csrf(client, path)
    fields = {
        "csrf_token": token,
        "name": current["name"],
        "version": str(current["version"]),
        "phone": "ask at reception",
        "email": "natalia@",
        "emergency_name": "Сергей (муж)",
    }
    response = client.post(path, headers=HTML, data=fields)
    assert response.status_code == 422
    assert 'id="err-phone"' in response.text and 'id="err-email"' in response.text
    assert "укажите" not in response.text  # English for an English-speaking therapist
    assert "give the emergency contact&#39;s phone number" in response.text
    fields.update(
        phone="+7 912 345-67-89",
        email="natalia@example.org",
        address="Казань, ул. Баумана, 5",
        emergency_phone="+7 912 000-00-00",
    )
    response = client.post(path, headers=HTML, data=fields, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(f"/patients/{world.demo_patient}", headers=HTML).text
    for shown in ("+7 912 345-67-89", "natalia@example.org", "Казань, ул. Баумана, 5"):
        assert shown in page
    assert "Сергей (муж)" in page and 'href="tel:+7912000-00-00"' in page
    assert _names(client, "8 912 345 67 89") == ["Наталья Кузнецова"]


def test_contact_errors_in_russian(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/patients"})
    token = csrf(client, "/patients/new")
    response = client.post(
        "/patients",
        headers=HTML,
        data={"csrf_token": token, "name": "Тест", "phone": "12", "email": "x"},
    )
    assert response.status_code == 422
    assert "номер телефона" in response.text and "адрес эл. почты" in response.text
    assert "Контактные данные" in response.text


def _intake_fields(token: str, **values: str) -> dict[str, str]:
    return {"csrf_token": token, "day": "", **values}


def test_empty_intake_is_refused_with_a_message(world, signed_in, csrf) -> None:
    from datetime import date

    from sqlalchemy import func, select

    from spinecare.store.models import Intake

    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/intake"
    token = csrf(client, path)
    with world.app.state.db.session() as session:
        before = session.scalar(select(func.count()).select_from(Intake))
    response = client.post(
        path, headers=HTML, data=_intake_fields(token, day=date.today().isoformat())
    )
    assert response.status_code == 422
    assert "The intake is empty: nothing was saved" in response.text
    response = client.post(
        path, headers=JSON, data=_intake_fields(token, day=date.today().isoformat())
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "form"
    with world.app.state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Intake)) == before


def test_past_intake_opens_read_only_in_words(world, signed_in, csrf) -> None:
    from datetime import date

    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/intake"
    token = csrf(client, path)
    response = client.post(
        path,
        headers=JSON,
        data=_intake_fields(
            token,
            day=date.today().isoformat(),
            systolic="150",
            diastolic="95",
            temperature="36.6",
            q_pregnant="no",
        ),
    )
    assert response.status_code == 201
    intake = response.json()["intake"]
    patient_page = client.get(f"/patients/{world.demo_patient}", headers=HTML).text
    view = f"/patients/{world.demo_patient}/intakes/{intake}"
    assert f'href="{view}"' in patient_page
    page = client.get(view, headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "150 mm Hg" in text and "36.6 °C" in text
    assert "mm[Hg]" not in text and "Cel" not in text and "True" not in text
    main = text.split("<main", 1)[1].split("</main>")[0]
    assert "<form" not in main and "<input" not in main  # nothing to edit
    assert "cannot be changed" in text
    data = client.get(view, headers=JSON).json()
    assert data["intake"]["source"] == "form"
    assert {o["value"] for o in data["facts"]["observations"]} >= {"150 mm Hg", "95 mm Hg"}
    # another clinic cannot open it, and an intake of another patient is not found
    assert signed_in("other").get(view, headers=JSON).status_code == 404
    assert (
        client.get(f"/patients/{world.own_patient}/intakes/{intake}", headers=JSON).status_code
        == 404
    )
    # a past intake has no route that changes it
    assert client.post(view, headers=JSON, data={"csrf_token": token}).status_code == 405


def _user_id(world, username: str) -> int:
    from sqlalchemy import select

    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_admin_edits_a_user(world, signed_in, csrf) -> None:
    admin = signed_in("admin")
    uid = _user_id(world, "therapist")
    path = f"/users/{uid}"
    assert f'href="{path}"' in admin.get("/users", headers=HTML).text
    token = csrf(admin, path)
    response = admin.post(
        path, headers=HTML, data={"csrf_token": token, "full_name": "", "role": "pilot"}
    )
    assert response.status_code == 422
    assert 'id="err-full_name"' in response.text and 'id="err-role"' in response.text
    response = admin.post(
        path,
        headers=JSON,
        data={
            "csrf_token": token,
            "full_name": "Anna Petrova",
            "role": "therapist",
            "language": "ru",
        },
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["full_name"] == "Anna Petrova" and user["language"] == "ru"
    # a field the request leaves out keeps its value: a name alone changes only the name
    response = admin.post(
        path, headers=JSON, data={"csrf_token": token, "full_name": "Anna P. Petrova"}
    )
    assert response.status_code == 200, response.text[:300]
    user = response.json()["user"]
    assert (user["full_name"], user["role"], user["language"]) == (
        "Anna P. Petrova",
        "therapist",
        "ru",
    )
    # an admin cannot take the admin role from themselves
    me = _user_id(world, "admin")
    response = admin.post(
        f"/users/{me}",
        headers=JSON,
        data={"csrf_token": token, "full_name": "Admin", "role": "therapist"},
    )
    assert response.status_code == 422
    # other roles and other clinics' users are out of reach
    assert signed_in("therapist").get(path, headers=JSON).status_code == 403
    other = _user_id(world, "other-therapist")
    assert admin.get(f"/users/{other}", headers=JSON).status_code == 404


def test_deactivated_user_is_signed_out_and_cannot_sign_in(world, signed_in, csrf) -> None:
    admin = signed_in("admin")
    therapist = signed_in("therapist")
    assert therapist.get("/patients", headers=JSON).status_code == 200
    uid = _user_id(world, "therapist")
    token = csrf(admin, f"/users/{uid}")
    response = admin.post(
        f"/users/{uid}/active", headers=HTML, data={"csrf_token": token, "active": "no"}
    )
    assert response.status_code == 200 and "deactivated" in response.text
    assert therapist.get("/patients", headers=JSON).status_code == 401  # signed out at once
    client = world.client()
    login_token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "therapist",
            "password": PASSWORDS["therapist"],
            "csrf_token": login_token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    me = _user_id(world, "admin")
    response = admin.post(
        f"/users/{me}/active", headers=JSON, data={"csrf_token": token, "active": "no"}
    )
    assert response.status_code == 422  # not oneself
    response = admin.post(
        f"/users/{uid}/active", headers=JSON, data={"csrf_token": token, "active": "yes"}
    )
    assert response.json()["user"]["active"] is True
    login(world.client(), "therapist", PASSWORDS["therapist"])


def test_reset_password_forces_a_new_one_at_next_sign_in(world, signed_in, csrf) -> None:
    admin = signed_in("admin")
    therapist = signed_in("therapist")
    uid = _user_id(world, "therapist")
    token = csrf(admin, f"/users/{uid}")
    response = admin.post(f"/users/{uid}/password", headers=JSON, data={"csrf_token": token})
    assert response.status_code == 200
    temporary = response.json()["temporary_password"]
    assert len(temporary) >= 8 and response.json()["user"]["must_change_password"] is True
    assert therapist.get("/patients", headers=JSON).status_code == 401  # the old session ended
    client = world.client()
    login_token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "therapist",
            "password": PASSWORDS["therapist"],
            "csrf_token": login_token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 401  # the old password is gone
    response = client.post(
        "/login",
        data={"username": "therapist", "password": temporary, "csrf_token": login_token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/password"
    # every other page sends the user to choose a password first
    response = client.get("/patients", headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/password"
    assert client.get("/patients", headers=JSON).status_code == 403
    token = csrf(client, "/password")
    response = client.post(
        "/password",
        headers=HTML,
        data={"csrf_token": token, "current": temporary, "new": "short", "repeat": "short"},
    )
    assert response.status_code == 422 and "at least 8 characters" in response.text
    response = client.post(
        "/password",
        headers=HTML,
        data={
            "csrf_token": token,
            "current": temporary,
            "new": "new-pass-123",
            "repeat": "other-123",
        },
    )
    assert response.status_code == 422 and "differ" in response.text
    response = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": temporary,
            "new": "new-pass-123",
            "repeat": "new-pass-123",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/patients"
    assert client.get("/patients", headers=JSON).status_code == 200
    login(world.client(), "therapist", "new-pass-123")
    logged = admin.get("/audit", params={"user": str(uid)}, headers=JSON).json()["entries"]
    assert "change_password" in {e["action"] for e in logged}
    by_admin = admin.get("/audit", params={"action": "reset_password"}, headers=JSON).json()
    assert [e["entity_id"] for e in by_admin["entries"]] == [str(uid)]


def _start_course(world) -> int:
    from datetime import date

    from sqlalchemy import select

    from spinecare.clinic import courses
    from spinecare.kb import load_kb
    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        row = courses.start(
            session,
            therapist,
            world.own_patient,
            load_kb(),
            start_day=date.today(),
            values={},
            reasons={},
            physician_id=None,
            today=date.today(),
        )
        return row.id


def _session_fields(token: str, **values: str) -> dict[str, str]:
    from datetime import date

    return {
        "csrf_token": token,
        "day": date.today().isoformat(),
        "systolic": "120",
        "diastolic": "80",
        "temperature": "36.6",
        "pain": "3",
        "pre_pain": "3",
        "post_pain": "2",
        **values,
    }


def test_ending_a_course_asks_for_confirmation(world, signed_in, csrf) -> None:
    course = _start_course(world)
    client = signed_in("therapist")
    page = client.get(f"/courses/{course}", headers=HTML).text
    assert f'href="/courses/{course}/complete"' in page
    assert f'action="/courses/{course}/complete"' not in page  # no one-click end
    token = csrf(client, f"/courses/{course}")
    # a post without the confirmation shows the confirmation step and changes nothing
    response = client.post(f"/courses/{course}/complete", headers=HTML, data={"csrf_token": token})
    assert response.status_code == 200 and "cannot be undone" in response.text
    assert 'name="confirm" value="yes"' in response.text
    response = client.post(f"/courses/{course}/complete", headers=JSON, data={"csrf_token": token})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "confirmation_required"
    assert client.get(f"/courses/{course}", headers=JSON).json()["status"] == "active"
    response = client.post(
        f"/courses/{course}/complete",
        headers=JSON,
        data={"csrf_token": token, "confirm": "yes"},
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_second_session_the_same_day_needs_a_reason(world, signed_in, csrf) -> None:
    course = _start_course(world)
    client = signed_in("therapist")
    token = csrf(client, f"/courses/{course}")
    path = f"/courses/{course}/sessions"
    assert client.post(path, headers=JSON, data=_session_fields(token)).status_code == 201
    response = client.post(path, headers=HTML, data=_session_fields(token))
    assert response.status_code == 422
    assert 'id="err-same_day_reason"' in response.text
    assert "needs the reason" in response.text
    response = client.post(
        path,
        headers=JSON,
        data=_session_fields(token, same_day_reason="the first was stopped after 5 minutes"),
    )
    assert response.status_code == 201
    assert response.json()["session"]["same_day_reason"] == "the first was stopped after 5 minutes"
    progress = client.get(f"/courses/{course}/progress.json").json()["progress"]
    assert progress["sessions_done"] == 2 and progress["adherence"] == 1.0
    page = client.get(f"/courses/{course}/progress", headers=HTML).text
    assert "200%" not in page and "100%" in page


def _urgent_patient(world) -> int:
    from sqlalchemy import select

    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:
        return session.scalar(select(PatientRow.id).where(PatientRow.external_id == "demo-turner"))


def test_red_flag_gets_a_referral_letter_not_a_clearance_request(world, signed_in, csrf) -> None:
    pid = _urgent_patient(world)
    assert pid is not None
    client = signed_in("therapist")
    page = client.get(f"/patients/{pid}/screening", headers=HTML).text
    assert 'data-verdict="refer_urgently"' in page
    assert "Request physician clearance" not in page
    assert f'href="/patients/{pid}/referral' in page
    letter = client.get(f"/patients/{pid}/referral", headers=HTML)
    assert letter.status_code == 200
    text = letter.text
    assert "Urgent referral for same-day medical assessment" in text
    assert "Possible cauda equina syndrome" in text  # the finding and its reason
    assert "saddle area" in text and "<strong>yes</strong>" in text  # its evidence, in words
    assert "GIRFT" in text  # its sources
    assert ".yaml" not in text and "DESIGN.md" not in text and "demo/" not in text
    assert "Massage was not given" in text and "Signature" in text
    data = client.get(f"/patients/{pid}/referral", headers=JSON).json()
    assert data["red_flags"][0]["concept"] and data["red_flags"][0]["sources"]
    # a clearance request for such a patient is refused with the reason
    token = csrf(client, f"/patients/{pid}/screening")
    response = client.post(
        f"/patients/{pid}/clearance-requests",
        headers=JSON,
        data={
            "csrf_token": token,
            "concepts": "disc_herniation",
            "physician_id": str(world.physician_id),
        },
    )
    assert response.status_code == 422
    assert "referral letter" in response.json()["error"]["message"]
    # a patient without a red flag has no letter; a patient account cannot open one
    assert client.get(f"/patients/{world.demo_patient}/referral", headers=JSON).status_code == 404
    assert signed_in("patient").get(f"/patients/{pid}/referral", headers=JSON).status_code == 403


def test_referral_letter_in_russian(world, signed_in, csrf) -> None:
    pid = _urgent_patient(world)
    client = signed_in("therapist")
    token = csrf(client, "/patients")
    client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/patients"})
    text = client.get(f"/patients/{pid}/referral", headers=HTML).text
    assert "Срочное направление" in text and "Массаж не проводился" in text
    assert "<strong>да</strong>" in text


def test_audit_log_names_local_time_filters_and_csv(world, signed_in) -> None:
    import csv
    import io
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    therapist = signed_in("therapist")
    therapist.get(f"/patients/{world.demo_patient}", headers=HTML)  # one read, audited
    admin = signed_in("admin")
    uid = _user_id(world, "therapist")
    page = admin.get(
        "/audit",
        params={"patient": "кузнец", "user": str(uid), "tz": "Europe/Moscow"},
        headers=HTML,
    )
    assert page.status_code == 200
    text = page.text
    assert "When (Moscow Time)" in text  # the zone as a person names it
    assert "Анна Смирнова" in text and "Наталья Кузнецова" in text  # names, not numbers
    assert "opened" in text and "user 2" not in text
    data = admin.get(
        "/audit",
        params={"patient": "кузнец", "user": str(uid), "tz": "Europe/Moscow"},
        headers=JSON,
    ).json()
    assert data["total"] >= 1
    assert {e["patient_name"] for e in data["entries"]} == {"Наталья Кузнецова"}
    assert {e["user_name"] for e in data["entries"]} == {"Анна Смирнова"}
    entry = data["entries"][0]
    stored = datetime.fromisoformat(entry["at"])
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    local = datetime.fromisoformat(entry["at_local"])
    assert local.utcoffset() == stored.astimezone(ZoneInfo("Europe/Moscow")).utcoffset()
    assert local == stored.replace(microsecond=0)
    # a date range that ends yesterday holds none of today's entries
    yesterday = date.fromordinal(date.today().toordinal() - 1).isoformat()
    empty = admin.get("/audit", params={"to": yesterday}, headers=JSON).json()
    assert empty["total"] == 0
    bad = admin.get("/audit", params={"from": "31.12.2026"}, headers=JSON).json()
    assert "from" in bad["errors"]
    # CSV export of the same filters, names and local times, safe for spreadsheets
    response = admin.get(
        "/audit/export.csv",
        params={"patient": "кузнец", "user": str(uid), "tz": "Europe/Moscow"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "When (Europe/Moscow)"
    assert len(rows) - 1 == data["total"]
    assert all(r[1] == "Анна Смирнова" and r[6] == "Наталья Кузнецова" for r in rows[1:])
    assert rows[1][0].endswith("+03:00")
    # only an admin reads the log
    assert therapist.get("/audit/export.csv").status_code == 403


def test_audit_csv_cells_never_start_a_formula(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    client.post("/patients", headers=JSON, data={"csrf_token": token, "name": "=cmd|' /C calc'!A0"})
    response = signed_in("admin").get("/audit/export.csv")
    body = response.content.decode("utf-8-sig")
    assert "\n=" not in body and ",=" not in body
    assert "'=cmd|" in body  # the patient's name, kept but inert


def test_audit_date_filter_uses_the_readers_day(world, signed_in) -> None:
    """An entry written at 22:30 UTC on 1 March is on 2 March in Moscow (UTC+3)."""
    from datetime import UTC, datetime

    from spinecare.store.models import AuditEntry, User

    with world.app.state.db.session() as session:
        admin_user = session.query(User).filter_by(username="admin").one()
        session.add(
            AuditEntry(
                at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC),
                clinic_id=admin_user.clinic_id,
                user_id=admin_user.id,
                username="admin",
                action="marker",
                entity="patient",
            )
        )
    admin = signed_in("admin")

    def count(day: str, tz: str) -> int:
        params = {"action": "marker", "from": day, "to": day, "tz": tz}
        return admin.get("/audit", params=params, headers=JSON).json()["total"]

    assert count("2026-03-01", "UTC") == 1
    assert count("2026-03-02", "UTC") == 0
    assert count("2026-03-02", "Europe/Moscow") == 1
    assert count("2026-03-01", "Europe/Moscow") == 0


def test_no_referral_letter_without_a_red_flag_says_why_in_russian(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients")
    client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/patients"})
    response = client.get(f"/patients/{world.demo_patient}/referral", headers=HTML)
    assert response.status_code == 404
    assert "Срочное направление для этого пациента" in response.text


def test_audit_export_says_the_detail_in_the_readers_words(world, signed_in) -> None:
    """A Russian administrator's export says each entry's detail as the page does: the
    log's own filters, verdicts and refusals in Russian words, no ids, no ``None``, no
    request lines."""
    from sqlalchemy import update

    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        session.execute(update(User).where(User.username == "admin").values(language="ru"))
    therapist = signed_in("therapist")
    pid = therapist.get("/patients.json").json()["patients"][0]["id"]
    therapist.get(f"/patients/{pid}/screening")
    signed_in("physician").get(f"/patients/{pid}/referral")
    admin = signed_in("admin")
    assert admin.get("/audit", params={"action": "list"}).status_code == 200
    page = admin.get("/audit").text
    assert "действие: list" not in page
    body = admin.get("/audit/export.csv").content.decode("utf-8-sig")
    for raw in ("verdict=", "as_of=", "action=", "None", "GET /", "403:", "404:", "%20"):
        assert raw not in body, raw
    assert "заключение" in body


def test_audit_search_whose_last_day_is_before_its_first_says_so(world, signed_in) -> None:
    """ "From 10 December to 1 December" found nothing and said only "No entries": the page
    says the last day is before the first, beside it."""
    page = signed_in("admin").get(
        "/audit", params={"from": "2026-12-10", "to": "2026-12-01"}, headers=HTML
    )
    assert page.status_code == 200
    assert "before the first day of the search" in page.text
