# ruff: noqa: E501  (translations are kept one per line)
"""Russian translations of the web interface, and the script that writes the catalogs.

``python tools/ru_messages.py`` extracts the strings (``pybabel extract -F babel.cfg``),
adds the texts that code passes to ``_()`` at run time (verdict words, error titles), and
writes ``spinecare/web/locale/{en,ru}/LC_MESSAGES/messages.po``: English is the source
language (empty translations), Russian takes its texts from ``RU`` below. A string without
a Russian text is written untranslated and the test suite reports it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "spinecare" / "web" / "locale"

RUNTIME = [
    # spinecare/web/patients.py VERDICT_WORDS
    "Refer urgently: no massage, same-day medical assessment",
    "Contraindicated: no massage",
    "Defer: not now, screen again later",
    "Needs physician clearance before massage",
    "Needs data: measure or ask first",
    "Allowed with precautions",
    "Allowed",
    # spinecare/app.py ERROR_TITLES
    "The request could not be read",
    "Please sign in",
    "Not allowed",
    "Not found",
    "Changed by someone else",
    "Too large",
    "Please check the form",
    "Something went wrong",
    "Not available now",
]

RU = {
    "Session date": "Дата сеанса",
    "Blood pressure: systolic (mm Hg)": "Давление: систолическое (мм рт. ст.)",
    "Diastolic (mm Hg)": "Диастолическое (мм рт. ст.)",
    "Body temperature (°C)": "Температура тела (°C)",
    "Pain now (0–10)": "Боль сейчас (0–10)",
    "Yes": "Да",
    "No": "Нет",
    "Not asked": "Не спрашивали",
    "Patients": "Пациенты",
    "New patient": "Новый пациент",
    "Import FHIR": "Импорт FHIR",
    "Clearances": "Допуски",
    "Paused courses": "Приостановленные курсы",
    "My home program": "Моя домашняя программа",
    "My screening": "Мой скрининг",
    "Audit log": "Журнал аудита",
    "Users": "Пользователи",
    "Sign out": "Выйти",
    "Decision support only: the therapist and the physician decide.": "Только поддержка решений: решают массажист и врач.",
    "This page as JSON": "Эта страница в JSON",
    "Course": "Курс",
    "Active": "Идёт",
    "Paused by a stop rule: the physician reviews it": "Приостановлен по правилу прекращения: его рассматривает врач",
    "Completed": "Завершён",
    "Progress": "Динамика",
    "Home program": "Домашняя программа",
    "Handout (PDF)": "Памятка (PDF)",
    "Calendar (.ics)": "Календарь (.ics)",
    "Stop events": "Срабатывания правил прекращения",
    "Resumed on %(day)s by %(by)s": "Возобновлён %(day)s, %(by)s",
    "Note (required)": "Заметка (обязательно)",
    "Resume the course": "Возобновить курс",
    "Sessions": "Сеансы",
    "Date": "Дата",
    "Pain before": "Боль до",
    "Pain after": "Боль после",
    "Minutes": "Минуты",
    "Techniques": "Приёмы",
    "Notes": "Заметки",
    "Adverse event": "Нежелательное явление",
    "No session yet.": "Сеансов пока нет.",
    "Next session: screen the day first": "Следующий сеанс: сначала скрининг на этот день",
    "Screen the day": "Проверить день",
    "End the course": "Завершить курс",
    "Zones": "Зоны",
    "Modalities": "Виды массажа",
    "a week": "в неделю",
    "Minutes per session": "Минут за сеанс",
    "Physician": "Врач",
    "Adjustments": "Изменения плана",
    "outside the KB range": "вне диапазона базы знаний",
    "Home program taught": "Обученная домашняя программа",
    "Minutes a day": "Минут в день",
    "Times a day": "Раз в день",
    "Reason if outside the range": "Причина, если вне диапазона",
    "Save the home program": "Сохранить домашнюю программу",
    "Course plan": "План курса",
    "Ready: the course can start": "Готов: курс можно начинать",
    "Pending: the plan can be prepared but not started": "Ожидает: план можно подготовить, но не начинать",
    "Blocked: no course, see the reasons": "Заблокирован: курса нет, см. причины",
    "verdict": "вердикт",
    "Reasons": "Причины",
    "Open the screening to settle them": "Откройте скрининг, чтобы их решить",
    "Zones and modalities": "Зоны и виды массажа",
    "Reason for a zone or modality the plan did not propose": "Причина для зоны или вида массажа, которых нет в плане",
    "Start": "Начало",
    "Number of sessions": "Число сеансов",
    "Sessions a week": "Сеансов в неделю",
    "KB range": "диапазон базы знаний",
    "Technique sequence": "Последовательность приёмов",
    "Home self-massage taught": "Обучение домашнему самомассажу",
    "Physician for stop events": "Врач для срабатываний правил прекращения",
    "Start the course": "Начать курс",
    "A pending plan can be prepared but not started.": "Ожидающий план можно подготовить, но не начинать.",
    "What to avoid": "Чего избегать",
    "Cost options": "Варианты по затратам",
    "What it needs": "Что требуется",
    "Courses": "Курсы",
    "Your home self-massage": "Ваш домашний самомассаж",
    "Stop the self-massage and call your doctor today. Your therapist and physician have been "
    "told.": "Прекратите самомассаж и позвоните врачу сегодня. Массажист и врач уведомлены.",
    "Saved in your diary.": "Сохранено в дневнике.",
    "No self-massage has been taught yet.": "Самомассажу ещё не обучали.",
    "%(n)s times a day": "%(n)s раз(а) в день",
    "%(m)s minutes": "%(m)s мин",
    "Next step": "Следующий шаг",
    "Pause": "Пауза",
    "Stop and call your doctor": "Остановитесь и позвоните врачу",
    "Today's diary": "Дневник за сегодня",
    "Nothing was saved. Please correct the fields marked below.": "Ничего не сохранено. Исправьте отмеченные ниже поля.",
    "I did my routine today": "Сегодня я выполнил(а) программу",
    "Steps done": "Выполненные шаги",
    "Pain today (0–10)": "Боль сегодня (0–10)",
    "Did you notice any of these?": "Было ли у вас что-то из этого?",
    "Save today": "Сохранить день",
    "Diary": "Дневник",
    "Routine": "Программа",
    "Pain": "Боль",
    "done": "выполнено",
    "not done": "не выполнено",
    "min": "мин",
    "No entries yet.": "Записей пока нет.",
    "Add to calendar (.ics)": "Добавить в календарь (.ics)",
    "course": "курс",
    "Pain before and after each session": "Боль до и после каждого сеанса",
    "Minimal clinically important change": "Минимальное клинически значимое изменение",
    "points": "балла",
    "Source": "Источник",
    "Sessions done": "Проведено сеансов",
    "Due so far": "Положено к этому дню",
    "Adherence": "Соблюдение графика",
    "Change in pain": "Изменение боли",
    "reaches the minimal important change": "достигает минимального значимого изменения",
    "below the minimal important change": "меньше минимального значимого изменения",
    "Course summary": "Итоги курса",
    "Mean pain before": "Средняя боль до",
    "Mean pain after": "Средняя боль после",
    "Total minutes": "Всего минут",
    "Adverse events": "Нежелательные явления",
    "A stop rule paused these courses: review them, then resume or end each one.": "Эти курсы приостановлены правилом прекращения: рассмотрите их, затем возобновите "
    "или завершите каждый.",
    "Patient": "Пациент",
    "Stop rules": "Правила прекращения",
    "Review the course": "Рассмотреть курс",
    "No course is waiting.": "Нет ожидающих курсов.",
    "Session": "Сеанс",
    "The session may start": "Сеанс можно начинать",
    "No session today": "Сегодня без сеанса",
    "Why": "Почему",
    "What is missing": "Чего не хватает",
    "Precautions": "Меры предосторожности",
    "The session was not saved. Please correct the fields marked below.": "Сеанс не сохранён. Исправьте отмеченные ниже поля.",
    "Pain before (0–10)": "Боль до (0–10)",
    "Pain after (0–10)": "Боль после (0–10)",
    "Techniques done, per zone": "Выполненные приёмы по зонам",
    "Adverse event (leave empty if none)": "Нежелательное явление (пусто, если не было)",
    "Save the session": "Сохранить сеанс",
    "Back to the course": "Назад к курсу",
    "Sign in": "Войти",
    "User name": "Имя пользователя",
    "Password": "Пароль",
    "Name or patient id": "Имя или идентификатор пациента",
    "Search": "Найти",
    "Name": "Имя",
    "Patient id": "Идентификатор пациента",
    "Born": "Дата рождения",
    "Verdict today": "Вердикт на сегодня",
    "Screening": "Скрининг",
    "Previous": "Назад",
    "Page %(page)s of %(pages)s": "Страница %(page)s из %(pages)s",
    "Next": "Дальше",
    "Clearance requests": "Запросы допуска",
    "Findings": "Находки",
    "Requested": "Запрошено",
    "Status": "Статус",
    "View": "Открыть",
    "No requests.": "Запросов нет.",
    "Error %(status)s": "Ошибка %(status)s",
    "Back to the start page": "На начальную страницу",
    "Sex": "Пол",
    "Language": "Язык",
    "New intake": "Новый анамнез",
    "Edit details": "Изменить данные",
    "Intakes": "Анамнезы",
    "File / form": "Файл / форма",
    "No intake yet: the screening will ask for data.": "Анамнеза пока нет: скрининг запросит данные.",
    "None.": "Нет.",
    "as of %(day)s · knowledge base %(kb)s": "на %(day)s · база знаний %(kb)s",
    "Indicated": "Показан",
    "yes": "да",
    "no": "нет",
    "unknown": "неизвестно",
    "Sources": "Источники",
    "No finding limits massage.": "Ничто не ограничивает массаж.",
    "Treatment zone": "Зона массажа",
    "Avoid": "Избегать",
    "Plan": "План",
    "Refer urgently: no massage, same-day medical assessment": "Срочно к врачу: без массажа, осмотр врача в тот же день",
    "Contraindicated: no massage": "Противопоказан: массаж нельзя",
    "Defer: not now, screen again later": "Отложить: не сейчас, повторить скрининг позже",
    "Needs physician clearance before massage": "Нужен допуск врача перед массажем",
    "Needs data: measure or ask first": "Нужны данные: сначала измерьте или спросите",
    "Allowed with precautions": "Разрешён с мерами предосторожности",
    "Allowed": "Разрешён",
    "The request could not be read": "Запрос не удалось прочитать",
    "Please sign in": "Пожалуйста, войдите",
    "Not allowed": "Нет доступа",
    "Not found": "Не найдено",
    "Changed by someone else": "Изменено кем-то другим",
    "Too large": "Слишком большой объём",
    "Please check the form": "Проверьте форму",
    "Something went wrong": "Что-то пошло не так",
    "Not available now": "Сейчас недоступно",
}


def main() -> int:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_",
                "--no-location",
                "-o",
                str(pot),
                ".",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as fh:
            template = read_po(fh)
    ids = [str(m.id) for m in template if m.id]
    ids += [m for m in RUNTIME if m not in ids]
    missing = []
    for lang in ("en", "ru"):
        catalog = Catalog(locale=lang, project="spinecare", fuzzy=False)
        for mid in ids:
            text = RU.get(mid, "") if lang == "ru" else ""
            if lang == "ru" and not text:
                missing.append(mid)
            catalog.add(mid, text)
        out = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    for mid in missing:
        print(f"no Russian text: {mid!r}", file=sys.stderr)
    print(f"{len(ids)} messages; {len(missing)} without Russian")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
