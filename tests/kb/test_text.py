"""Finding KB concepts in text: abbreviations as written, yes/no words (KB text.yaml)."""

from __future__ import annotations

import pytest

from spinecare.kb import load_kb
from spinecare.kb.text import TextMatcher, synonym_problem


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("PE", {"coagulation_disorder"}),
        ("P.E. on CT", {"coagulation_disorder"}),
        ("Pulmonary embolism (PE), on apixaban", {"coagulation_disorder", "anticoagulant_therapy"}),
        ("TB spine", {"spinal_infection"}),
        ("CA", {"oncology"}),
        ("pe", set()),
        ("Works as a PE teacher", set()),
        ("PE tubes placed in 2001", set()),
        ("no PE", set()),
        ("PEG tube", set()),
        ("Paroxysmal AF", {"heart_disease"}),
        ("ФП, постоянная форма", {"heart_disease"}),
        ("СКХ", {"cauda_equina"}),
        ("HCC", {"oncology"}),
        ("Ca. breast", {"oncology"}),
        ("CA. prostate, on ADT", {"oncology"}),
        ("No AF", set()),
        ("af", set()),
        ("Ca. 3 cm lesion of the left kidney", set()),  # circa
        ("Serum Ca 2.4 mmol/L", set()),
    ],
)
def test_abbreviations_are_matched_as_written(text: str, concepts: set[str]) -> None:
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found == concepts


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Mamma-Ca links", {"oncology"}),
        ("DLBCL", {"oncology"}),
        ("Secondary malignant neoplasm of bone", {"spinal_malignancy", "oncology"}),
        # an infection of the spine, and an infection (not now) as any osteomyelitis is
        ("Osteomyelitis of the spine", {"spinal_infection", "infectious_disease"}),
        ("New bowel and bladder incontinence", {"cauda_equina"}),
        ("Urinary incontinence", {"cauda_equina"}),
        ("Недержание мочи", {"cauda_equina"}),
        ("Harninkontinenz", {"cauda_equina"}),
        # a named kind of incontinence is read alike in every language: to confirm
        ("Stress urinary incontinence", {"cauda_equina"}),
        ("Стрессовое недержание мочи", {"cauda_equina"}),
        ("Belastungsinkontinenz", {"cauda_equina"}),
        ("No urinary incontinence", set()),
        ("CKD 5D", {"organ_decompensation"}),
        ("Leberzirrhose dekompensiert", {"organ_decompensation"}),
        ("Decompression of lumbar spinal cord", {"recent_spinal_surgery"}),
        (
            "Fusion of Lumbar Vertebral Joint with Autologous Tissue Substitute,"
            " Posterior Approach, Posterior Column, Open Approach",
            {"recent_spinal_surgery"},
        ),
        (
            "Excision of Lumbar Vertebral Disc, Open Approach",
            {"recent_spinal_surgery"},
        ),
        ("Удаление грыжи межпозвонкового диска", {"recent_spinal_surgery", "disc_herniation"}),
        ("Decompression sickness", set()),
        ("Closed fracture of L1 vertebra", {"vertebral_fracture"}),
        ("Перелом тела L1 позвонка", {"vertebral_fracture"}),
        ("LWK-1-Fraktur", {"vertebral_fracture"}),
        # a tuberculosis is an infection too, wherever it is
        ("Tuberculosis of spine", {"spinal_infection", "infectious_disease"}),
        ("Остеомиелит поясничного отдела позвоночника", {"spinal_infection", "infectious_disease"}),
        ("Spondylodiszitis LWK 3/4", {"spinal_infection"}),
        ("Metastasis to spine", {"spinal_malignancy", "oncology"}),
        ("Метастазы в тела позвонков Th10-L2", {"spinal_malignancy", "oncology"}),
        ("Compression of spinal cord", {"myelopathy"}),
        ("Right ventricular failure", {"heart_disease"}),
        ("Coronary arteriosclerosis", {"heart_disease"}),
        ("Fracture of lower end of radius", set()),
        ("Lumbar spinal stenosis", set()),  # not a STEMI, nor a lumbago
        ("Suspected vertebral fracture, ruled out", set()),
        ("Family history: multiple myeloma", set()),
        ("Мать: миеломная болезнь", set()),
        ("Old fracture of L1 vertebra", set()),
        ("Metastasis to liver", {"oncology"}),
        # a German ordinal's full stop before a spine level ends no clause; a list's does
        ("Fraktur des 1. Lendenwirbels", {"vertebral_fracture"}),
        ("Fraktur des 12. BWK", {"vertebral_fracture"}),
        ("Keine Fraktur des 1. LWK", set()),
        ("Denies trauma 2. Metastasis to spine", {"spinal_malignancy", "oncology"}),
        # a spinal metastasis with words between, or by its level: not only a cancer
        (
            "Метастатическое поражение грудного отдела позвоночника",
            {"spinal_malignancy", "oncology"},
        ),
        ("Metastatic breast cancer to spine", {"spinal_malignancy", "oncology"}),
        ("Mets to T12", {"spinal_malignancy", "oncology"}),
        ("BWK-12-Metastase", {"spinal_malignancy", "oncology"}),
        ("No mets to L3", set()),
        ("Слабость в ногах нарастает", {"cauda_equina"}),
        ("Потеря контроля над мочеиспусканием", {"cauda_equina"}),
        ("B/B incontinence", {"cauda_equina"}),
        ("Pressure ulcer of sacral region", {"dermatitis"}),
        ("Left lateral decubitus", set()),  # a position on the table, not a sore
        ("Ekzem", {"dermatitis"}),
        ("Cr прямой кишки", {"oncology"}),
        ("Cr 95 мкмоль/л", set()),  # creatinine
        ("ХБП С5д", {"organ_decompensation"}),
        ("EDD by LMP 03/2027", {"pregnancy"}),
        ("LV EDD 52 mm", set()),  # an echo's end-diastolic dimension, not a due date
        ("Туберкулез легких", {"infectious_disease"}),
        ("Rubella screening", set()),
        ("LWS-Syndrom bei Osteochondrose", {"spinal_pain", "degenerative_disc_disease"}),
        ("Lumboischialgie", {"neuralgia"}),
        # a gait disturbance is a sign of both (clinical-reference.md 2.1 and 2.2)
        ("Неустойчивость походки, неловкость в руках", {"myelopathy", "cauda_equina"}),
        ("Диссекция ВА", {"vertebrobasilar_insufficiency"}),
        ("Dizziness on neck extension", {"vertebrobasilar_insufficiency"}),
        ("Compression deformity T12", {"vertebral_fracture"}),
        ("Loss of height of L1 vertebral body", {"vertebral_fracture"}),
        ("No compression deformity", set()),
        ("Decreased rectal tone", {"cauda_equina"}),
        ("Epidural phlegmon", {"spinal_infection"}),
        ("Lytic lesion in L3 vertebral body", {"spinal_malignancy"}),
        ("Деструкция тела позвонка L3", {"spinal_malignancy"}),
        ("Деструкции позвонков не выявлено", set()),
        ("Lytic lesion of the left iliac bone", set()),
        ("Клиновидная деформация тела L1", {"vertebral_fracture"}),
        ("Абсцесс паравертебральный", {"spinal_infection"}),
        ("Septic arthritis of L4-5 facet joint", {"spinal_infection"}),
        # an inverted title: the qualifier after the comma goes before its words
        ("Cirrhosis, decompensated", {"organ_decompensation"}),
        ("Fracture, vertebral, L1", {"vertebral_fracture"}),
        ("Цирроз печени, декомпенсированный", {"organ_decompensation"}),
        ("No angina, unstable", set()),
        ("Нет стенокардии, нестабильная походка", set()),
        ("Abscess, paravertebral", {"spinal_infection"}),
        ("Абсцесс, эпидуральный", {"spinal_infection"}),
        # a list answered after a colon is answered as a whole
        ("Педикулез, чесотка: нет", set()),
        ("Fever, urinary retention, rash: no", set()),
        ("Fever: yes. Chills: no", {"fever"}),
        ("Жалобы: задержка мочи, онемение промежности", {"cauda_equina"}),
        # childhood illnesses, tests and vaccinations are no current infection
        ("Had chickenpox as a child", set()),
        ("Скрининг на туберкулез легких", set()),
        ("Vaccination against influenza", set()),
        # nursing risk and prevention words are no pressure ulcer
        ("At risk of pressure ulcer", set()),
        ("Профилактика пролежней", set()),
        ("Dekubitus-Prophylaxe", set()),
        # degenerative, benign or other bones are no spinal tumour
        ("Дегенеративно-деструктивные изменения тел позвонков L4-L5", set()),
        ("Остеолитический очаг в теле нижней челюсти", set()),
        ("Osteochondroma of the femur", set()),
        ("Spondylolyse L5", set()),
        ("Compression deformity of the thecal sac", set()),
        ("ThromboASS 100 mg", set()),
    ],
)
def test_common_names_of_a_concept_are_found(text: str, concepts: set[str]) -> None:
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found == concepts


GAPPED = TextMatcher(
    [
        ("vertebral_fracture", None, "fracture of * vertebra"),
        ("spinal_malignancy", None, "metastasis to * spine"),
        ("plain", None, "fracture of vertebra"),
    ],
    negation=["no", "not"],
    history=["old"],
    family=["mother"],
    negation_after=["ruled out"],
    scope_end=["but"],
    pseudo=["not ruled out"],
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Closed fracture of L1 vertebra", {"vertebral_fracture": "fracture of l1 vertebra"}),
        ("Fracture of the vertebra", {"vertebral_fracture": "fracture of the vertebra"}),
        ("Fracture of the L1 vertebra", {"vertebral_fracture": "fracture of the l1 vertebra"}),
        (
            "Fracture of vertebra",
            {"vertebral_fracture": "fracture of vertebra", "plain": "fracture of vertebra"},
        ),
        ("Fracture of the left L1 vertebra", {}),  # three words: more than a gap holds
        ("Fracture of wrist", {}),
        ("Fracture of radius; vertebra intact", {}),  # another clause
        ("No fracture of L1 vertebra", {}),
        ("Fracture of L1 vertebra ruled out", {}),
        ("Fracture of old L1 vertebra", {}),  # a cue in the gap is a cue
        ("Metastasis to liver not spine", {}),
        ("Metastasis to liver but spine", {}),  # a gap ends at a scope-ending word
        ("Metastasis to the spine not ruled out", {"spinal_malignancy": "metastasis to the spine"}),
        ("Mother had fracture of L1 vertebra", {}),
    ],
)
def test_a_gap_in_a_synonym_holds_up_to_two_words_of_one_clause(
    text: str, shown: dict[str, str]
) -> None:
    assert {m.concept: m.words for m in GAPPED.find(text)} == shown


def test_a_gap_is_refused_at_an_end_or_doubled() -> None:
    assert synonym_problem("fracture of * vertebra") is None
    assert synonym_problem("fracture of vertebra") is None
    assert "start" in str(synonym_problem("* of vertebra"))
    assert "end" in str(synonym_problem("fracture of *"))
    assert "in a row" in str(synonym_problem("fracture * * vertebra"))
    assert "in a row" in str(synonym_problem("fracture ** vertebra"))


def test_a_mention_of_an_abbreviation_shows_it_as_written() -> None:
    (mention,) = load_kb().text_matcher.find("P.E. on CT")
    assert mention.words == "P.E."


def test_yes_and_no_words_are_clear_and_never_both() -> None:
    words = load_kb().model.text_cues.answer_words()
    assert words["да"] is True and words["нет"] is False and words["positive"] is True
    assert "maybe" not in words and "не знаю" not in words


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Cervical myelopathy", {"myelopathy"}),
        ("Шейная миелопатия", {"myelopathy"}),
        ("миелопатией", {"myelopathy"}),
        ("Multiple myelomas", {"oncology", "spinal_malignancy"}),  # a form of "myeloma"
        ("Множественной миеломой", {"oncology", "spinal_malignancy"}),
        ("Анкилозирующий спондилит", set()),
        ("Спондилолистез L5", set()),
        ("Спондилез поясничного отдела", {"degenerative_disc_disease"}),
        ("Спондилодез L4-L5", {"recent_spinal_surgery"}),
        ("Спондилодисцит L4-L5", {"spinal_infection"}),
        ("Spondylodiscitis", {"spinal_infection"}),
        # words of everyday records (Synthea, the FHIR examples)
        ("Childhood asthma", set()),
        ("Child attention deficit disorder", set()),
        ("Chills and fever", {"fever"}),
        ("FEV1/FVC", set()),
        ("Rigorous exercise", set()),
        ("Specific gravity of Urine by Test strip", set()),
        ("Gravida 2", {"pregnancy"}),
        ("Covered by insurance", set()),
        ("COVID-19", {"infectious_disease"}),
        ("Cancelled appointment", set()),
        ("Lymphocytic colitis", set()),
        ("Melanocytic nevus", set()),
        ("Acute myeloid leukemia", {"oncology"}),  # a cancer, not a myeloma of the spine
        ("Осмотр невролога", {"neurology_referral"}),  # a neurologist, not a neuritis
        ("Беременность двойней", {"pregnancy"}),
        # drug brands that begin like "тромбоз" are drugs, not a thrombosis
        ("Принимает ТромбоАСС", set()),  # low-dose aspirin
        ("Тромбонет 75 мг", {"anticoagulant_therapy"}),  # clopidogrel
        # ... also written with a space or a hyphen inside
        ("Тромбо АСС 100 мг", set()),
        ("ТРОМБО-АСС", set()),
        ("Thrombo ASS 100", set()),
        ("Thrombo-ASS", set()),
        ("Тромбоз глубоких вен", {"coagulation_disorder"}),
        ("Тромб в подколенной вене", {"coagulation_disorder"}),
    ],
)
def test_a_word_that_only_begins_like_a_term_is_not_one_of_its_forms(
    text: str, concepts: set[str]
) -> None:
    """Myelopathy is no myeloma, spondylitis no spondylosis, spondylodiscitis no fusion
    (text.yaml ``not_forms``), though each begins with the term's first letters."""
    assert {m.concept for m in load_kb().text_matcher.find(text)} == concepts


def test_every_word_kept_apart_begins_like_its_term_and_the_term_is_a_synonym() -> None:
    kb = load_kb()
    firsts = {
        TextMatcher.first_word(phrase)
        for entry in kb.model.terminology
        for group in entry.synonyms
        for phrase in (*group.en, *group.ru, *group.de, *group.fr, *group.es)
    }
    for term, starts in kb.model.text_cues.not_forms.items():
        assert term in firsts, term
        for start in starts:
            assert start[:3] == term[:3] and not term.startswith(start), (term, start)


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Compression fx T12", {"vertebral_fracture"}),
        ("L1 FX", {"vertebral_fracture"}),
        ("No fx", set()),
        ("Hx of breast ca", {"history_of_cancer"}),
        # one written with full stops, with or without a space after them
        ("Z.n. Mammakarzinom", {"history_of_cancer"}),
        ("Z. n. Mammakarzinom", {"history_of_cancer"}),
        ("Z.n.Mammakarzinom", {"history_of_cancer"}),
        ("Zustand nach Mammakarzinom", {"history_of_cancer"}),
        ("Z.n. Wirbelkörperfraktur", set()),  # as "status post vertebral fracture"
        ("Z.n. Bandscheiben-OP L4/5", {"recent_spinal_surgery"}),
        ("Ca recti, Z.n. Radiatio", {"oncology"}),  # the cue is the next clause's
        ("Ca. ovarii", {"oncology"}),  # the stop of "Ca." ends no clause
        ("Rückenschmerzen seit ca. 3 Wochen", {"spinal_pain"}),  # "ca." for "circa"
        ("On chemo", {"oncology"}),
        # a short form is read so in the KB's synonyms too ("bone mets", "mets to * spine")
        ("Mets L2", {"oncology", "spinal_malignancy"}),
        ("vertebral mets", {"oncology", "spinal_malignancy"}),
        ("МТС в L1", {"oncology", "spinal_malignancy"}),
        ("мтс в кости", {"oncology", "spinal_malignancy"}),
        ("CA breast w/ mets to spine", {"oncology", "spinal_malignancy"}),
    ],
)
def test_a_short_form_is_read_as_the_word_it_stands_for(text: str, concepts: set[str]) -> None:
    """``short_words`` of text.yaml: "fx" is a fracture, "hx of" a history."""
    assert {m.concept for m in load_kb().text_matcher.find(text)} == concepts


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Pt with hx of DDD presents with urinary retention", {"cauda_equina"}),
        ("History of DDD presenting with saddle anaesthesia", {"cauda_equina"}),
        ("В анамнезе остеохондроз поступил с задержкой мочи", {"cauda_equina"}),
        ("Breast cancer now in remission", {"history_of_cancer"}),
        ("Denies fever and reports urinary retention", {"cauda_equina"}),
        ("Отрицает травму и отмечает онемение в промежности", {"cauda_equina"}),
        ("Verneint Fieber und berichtet Harnverhalt", {"cauda_equina"}),
        ("History of breast cancer", {"history_of_cancer"}),
    ],
)
def test_a_history_ends_where_the_note_turns_to_what_brings_the_patient(
    text: str, concepts: set[str]
) -> None:
    """ "presents", "поступил", "stellt sich vor" end a cue's scope (ConText's termination
    words): what follows is current."""
    assert {m.concept for m in load_kb().text_matcher.find(text)} >= concepts


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Primary breast cancer", {"oncology"}),  # "primary" is no "prior"
        ("Primary malignant neoplasm of lung", {"oncology"}),
        ("Healthy pregnancy, 20 weeks", {"pregnancy"}),  # "healthy" is no "healed"
        ("Pneumonia, resolving", {"infectious_disease"}),  # "resolving" is no "resolved"
        ("Previously treated breast cancer", {"history_of_cancer"}),
        ("Breast cancer, resolved", {"history_of_cancer"}),
        ("рак в стадии ремиссии", {"history_of_cancer"}),
        ("Тест на беременность отрицательный", set()),
        ("Грыжи дисков L4-L5", {"disc_herniation"}),  # a five-letter word keeps four
    ],
)
def test_a_cue_is_read_only_as_written_and_a_short_word_keeps_four_letters(
    text: str, concepts: set[str]
) -> None:
    """Another ending made another word of a cue ("Primary breast cancer" read as a
    history, "Healthy pregnancy" as a healed one): cues are listed in every form."""
    assert {m.concept for m in load_kb().text_matcher.find(text)} == concepts


@pytest.mark.parametrize(
    "text", ["Patient reports no fever", "Reports no saddle numbness", "Denies saddle anaesthesia"]
)
def test_what_the_patient_says_is_still_denied_after_the_word_reports(text: str) -> None:
    assert load_kb().text_matcher.find(text) == []


def _at_sites(text: str) -> set[str]:
    return {
        mention.concept
        for _, alone, diagnoses in load_kb().site_matchers
        for mention, _site in diagnoses.at_sites(text, alone)
    }


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Osteomyelitis, lumbar spine", {"spinal_infection"}),
        ("Fracture, L1", {"vertebral_fracture"}),
        ("Fracture, L4-L5", {"vertebral_fracture"}),
        ("Metastasis, thoracic spine", {"spinal_malignancy"}),
        ("Остеомиелит, поясничный отдел", {"spinal_infection"}),
        ("Остеомиелит, поясничного отдела позвоночника", {"spinal_infection"}),
        ("Перелом, L1", {"vertebral_fracture"}),
        ("Fraktur, LWS", {"vertebral_fracture"}),
        ("Numbness, perineum", {"cauda_equina"}),
        # the words after the comma are more than a site
        ("Hip fracture 2019, lumbar spine OA", set()),
        ("Fracture of wrist, low back pain", set()),
        ("Abscess, lumbar", set()),  # "lumbar" alone may be the skin's
        ("Tumour, thoracic", set()),
        # the site is the clause's just before it, and a cue still counts
        ("Hip fracture 2019, low back pain, L1", set()),
        ("No fracture, L1", set()),
        ("History of fracture, L1", set()),
    ],
)
def test_a_site_alone_after_a_comma_is_the_site_of_the_diagnosis_before_it(
    text: str, concepts: set[str]
) -> None:
    """text.yaml ``at_site``: "Osteomyelitis, lumbar spine" names the site as a recorded
    ``bodySite`` does; only a clause of nothing but a site's words and level numbers."""
    assert _at_sites(text) == concepts


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Cauda equina syndrome not yet ruled out", {"cauda_equina"}),
        ("could not rule out cauda equina", {"cauda_equina"}),
        ("Not certain if cauda equina", {"cauda_equina"}),
        ("Not clear whether vertebral fracture", {"vertebral_fracture"}),
        ("Перелом позвонка не может быть исключен", {"vertebral_fracture"}),
        # still negations
        ("Cauda equina syndrome ruled out", set()),
        ("No vertebral fracture", set()),
        ("Перелом позвонка исключен", set()),
    ],
)
def test_a_doubt_that_holds_a_negation_word_is_a_suspicion(text: str, concepts: set[str]) -> None:
    """text.yaml ``pseudo``: "not yet ruled out", "could not rule out", NegEx's "not certain
    if" and "не может быть исключен" keep the mention (to confirm), never make it absent."""
    assert {m.concept for m in load_kb().text_matcher.find(text)} == concepts


@pytest.mark.parametrize(
    ("text", "concept", "named"),
    [
        # a change denied: the finding is the patient's
        ("No signs of progression of the vertebral metastases", "spinal_malignancy", True),
        ("No interval worsening of the L1 compression fracture", "vertebral_fracture", True),
        ("Данных за прогрессирование метастазов в позвоночник нет", "spinal_malignancy", True),
        ("Нет данных за прогрессирование метастазов в позвоночник", "spinal_malignancy", True),
        ("Kein Hinweis auf Progression der Wirbelkörpermetastasen", "spinal_malignancy", True),
        ("No interval increase in size of the L3 vertebral metastasis", "spinal_malignancy", True),
        ("No increased uptake to suggest vertebral metastasis", "spinal_malignancy", False),
        ("No increase in the size of the L3 vertebral metastasis", "spinal_malignancy", True),
        ("No new or progressive vertebral metastases", "spinal_malignancy", True),
        ("No progressive height loss of the L1 compression fracture", "vertebral_fracture", True),
        ("Kein Wachstum der Wirbelkörpermetastasen", "spinal_malignancy", True),
        ("Данных за рост метастазов в позвоночник нет", "spinal_malignancy", True),
        # a word of change that governs another word leaves the finding to the cues
        ("Denies worsening back pain or urinary retention.", "cauda_equina", False),
        ("Нет ухудшения болей в спине и задержки мочи", "cauda_equina", False),
        ("Keine Zunahme der Rückenschmerzen oder Harnverhalt", "cauda_equina", False),
        (
            "Признаков увеличения лимфоузлов и метастазов в позвоночник не выявлено",
            "spinal_malignancy",
            False,
        ),
        ("No enlargement of lymph nodes or vertebral metastases", "spinal_malignancy", False),
        (
            "Bei Verschlechterung der Beschwerden Cauda-Syndrom ausgeschlossen",
            "cauda_equina",
            False,
        ),
        (
            "For worsening back pain MRI was done and vertebral fracture was excluded",
            "vertebral_fracture",
            False,
        ),
        (
            "Для оценки динамики выполнена МРТ перелом позвонка не выявлен",
            "vertebral_fracture",
            False,
        ),
        # the finding denied, a change named after it: still denied
        ("No vertebral metastases and no progression of back pain", "spinal_malignancy", False),
        ("Метастазов в позвоночник нет", "spinal_malignancy", False),
        ("Данных за перелом позвонка нет", "vertebral_fracture", False),
        # what the patient does not take stays denied
        ("Denies taking apixaban", "anticoagulant_therapy", False),
        ("Not taking warfarin", "anticoagulant_therapy", False),
        ("Pt denies that he takes any blood thinners", "anticoagulant_therapy", False),
        # what the patient no longer takes was taken and stopped, as "apixaban stopped":
        # it may still act (policy_recent_medication), to confirm
        ("He no longer takes apixaban", "anticoagulant_therapy", True),
        ("No longer continues on apixaban", "anticoagulant_therapy", True),
        # what the patient takes after a denial is taken
        ("Denies chest pain and takes apixaban daily", "anticoagulant_therapy", True),
    ],
)
def test_a_denied_change_is_no_denied_finding(text: str, concept: str, named: bool) -> None:
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert (concept in found) is named, found


@pytest.mark.parametrize(
    ("text", "concept", "named"),
    [
        # a denied treatment, not the diagnosis it is for
        ("No radiotherapy yet for L2 metastasis", "spinal_malignancy", True),
        ("Refused surgery for L1 burst fracture", "vertebral_fracture", True),
        ("Declined anticoagulation for PE diagnosed 11/20", "coagulation_disorder", True),
        ("Not anticoagulated for DVT", "coagulation_disorder", True),
        ("Без лечения по поводу ТЭЛА", "coagulation_disorder", True),
        ("Keine Antikoagulation bei frischer LAE", "coagulation_disorder", True),
        ("No evidence for metastatic disease", "oncology", False),
        ("Denies DVT or PE", "coagulation_disorder", False),
        # a radiology comparison with an earlier study is no history
        (
            "Compared to prior study there is a new compression fracture of L1",
            "vertebral_fracture",
            True,
        ),
        (
            "When compared with the previous examination a wedge fracture of T12 is seen",
            "vertebral_fracture",
            True,
        ),
        ("Prior compression fracture of L1", "vertebral_fracture", False),
        # a history ends where the note turns to what is new or current
        ("h/o breast ca now metastatic to L3", "spinal_malignancy", True),
        ("Previous DVT 2019 new DVT left leg 11/2026", "coagulation_disorder", True),
        ("Перенесенная ТЭЛА 2020 повторная ТЭЛА 11.2026", "coagulation_disorder", True),
        ("Z.n. Mamma-Ca jetzt ossäre Metastasen", "spinal_malignancy", True),
        ("Breast cancer now in remission", "oncology", False),
        ("History of DVT", "coagulation_disorder", False),
        # a tumour marker's "negative" is not the cancer's; a result "negative for" is
        ("Breast cancer ER negative", "oncology", True),
        ("Metastatic breast cancer HER2 neg", "oncology", True),
        ("Metastatic disease: negative", "oncology", False),
        ("Lymph nodes negative for metastatic disease", "oncology", False),
        ("Margins negative for malignancy", "oncology", False),
        ("PE not fully resolved", "coagulation_disorder", True),
        # what to do if a sign appears is not a finding of today
        ("Advised to return if saddle numbness develops", "cauda_equina", False),
        ("Safety netting: seek urgent help if saddle numbness", "cauda_equina", False),
        ("У мужа рак легкого", "oncology", False),
        ("Lives with wife. Metastatic lung cancer.", "oncology", True),
        # ... but the same words in what happened, and the patient's findings a spouse
        # reports, are the patient's
        ("Presents with warning signs of cauda equina syndrome", "cauda_equina", True),
        ("Red flags discussed and saddle anaesthesia noted on exam", "cauda_equina", True),
        ("При появлении задержки мочи вызвала скорую помощь", "cauda_equina", True),
        ("Husband states she has saddle numbness and urinary retention", "cauda_equina", True),
        ("Ehefrau berichtet Harnverhalt", "cauda_equina", True),
        # names in everyday words
        ("Reduced sensation in the perineum", "cauda_equina", True),
        ("Perianal sensation reduced", "cauda_equina", True),
        ("Снижение чувствительности в промежности", "cauda_equina", True),
        ("Taubheitsgefühl perianal", "cauda_equina", True),
        ("Metastatic lesion in the L2 vertebral body", "spinal_malignancy", True),
        ("мтс L2", "spinal_malignancy", True),
        ("Widespread osseous metastatic disease", "spinal_malignancy", True),
        ("Gestational diabetes mellitus", "pregnancy", True),
        ("Eklampsie", "pregnancy", True),
        ("Vertebrobasilar TIA", "vertebrobasilar_insufficiency", True),
        ("MRA: vertebrobasilar system normal", "vertebrobasilar_insufficiency", False),
        ("Acute transverse myelitis", "myelopathy", True),
        ("Acute transverse myelitis", "oncology", False),
        ("CCF", "heart_disease", True),
        # the clinicians' "#" for a fracture, written on a vertebral level
        ("#L1", "vertebral_fracture", True),
        ("Wedge #T12 on X-ray", "vertebral_fracture", True),
        ("Room #12, 2 tablets #2", "vertebral_fracture", False),
        ("# L5 radiculopathy", "vertebral_fracture", False),
        ("#L4/5 disc prolapse", "vertebral_fracture", False),
        ("T2# hypointense signal in L1", "vertebral_fracture", False),
        # a lasting heart disease named in the past is still to confirm
        ("Status post MI 10/2026", "heart_disease", True),
        ("h/o CHF", "heart_disease", True),
        ("Z.n. Herzinfarkt", "heart_disease", True),
        ("History of DVT", "coagulation_disorder", False),
        ("h/o AKI 2019", "organ_decompensation", False),
        # a treatment's "for" ends a negation, never a history
        ("History of chemotherapy for breast cancer in 2010", "oncology", False),
        ("Past history of recurrent UTIs and breast cancer", "oncology", False),
        # a denial reaches the findings listed after a denied finding, and a list's
        # closing denial the findings before a last item that is a list itself
        ("Denies saddle anaesthesia, urinary retention, leg weakness.", "cauda_equina", False),
        ("Negative for saddle anesthesia, bowel or bladder dysfunction", "cauda_equina", False),
        ("No fever, chills or saddle anaesthesia.", "cauda_equina", False),
        ("Онемения в промежности, задержки мочи и недержания кала нет.", "cauda_equina", False),
        (
            "Harnverhalt, Stuhlinkontinenz und Reithosenanästhesie werden verneint.",
            "cauda_equina",
            False,
        ),
        # ... and nothing that is not a finding alone, or is said another way
        ("Denies fever, urinary retention since yesterday", "cauda_equina", True),
        ("No fever, but urinary retention", "cauda_equina", True),
        ("No fever, has urinary retention", "cauda_equina", True),
        ("Urinary retention, no fever", "cauda_equina", True),
        ("Saddle anaesthesia, fever absent", "cauda_equina", True),
        ("Задержка мочи, других жалоб нет", "cauda_equina", True),
        ("Compression fracture L1, fever denied", "vertebral_fracture", True),
        ("No improvement, urinary retention", "cauda_equina", True),
        ("No trauma, urinary retention", "cauda_equina", True),
        ("No allergies, metastatic breast cancer", "oncology", True),
        # German compounds of a deep vein thrombosis
        ("Beckenvenenthrombose links", "coagulation_disorder", True),
        ("Bein- und Beckenvenenthrombose rechts", "coagulation_disorder", True),
    ],
)
def test_what_a_note_says_of_the_patient_now_is_found(text: str, concept: str, named: bool) -> None:
    """Cues read as clinicians write them: a denied treatment, a comparison with an earlier
    study, a history followed by what is new, a tumour marker's result, advice for later
    and a spouse's illness change what they should and nothing else."""
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert (concept in found) is named, found


@pytest.mark.parametrize(
    ("text", "concept", "shown"),
    [
        ("Osteosarcoma of the femur", "oncology", "osteosarcoma"),
        ("Cholangiocarcinoma", "oncology", "cholangiocarcinoma"),
        ("Z.n. Urothelkarzinom", "history_of_cancer", "urothelkarzinom"),
        ("Rhabdomyosarkom", "oncology", "rhabdomyosarkom"),
        ("Mantelzelllymphom", "oncology", "mantelzelllymphom"),
        ("Beinvenenthrombose links", "coagulation_disorder", "beinvenenthrombose"),
        ("Остеосаркома бедра", "oncology", "остеосаркома"),
        ("лимфосаркомы", "oncology", "лимфосаркомы"),
    ],
)
def test_a_word_that_ends_in_a_compound_head_names_its_concept(
    text: str, concept: str, shown: str
) -> None:
    """A word no synonym starts that ends in a head of text.yaml's ``compound_heads``
    ("osteo" + "sarcoma", "Urothel" + "karzinom") names the head's concept, with the
    cues read as for the head alone, and is shown as written."""
    found = {m.concept: m.words for m in load_kb().text_matcher.find(text)}
    assert concept in found, found
    assert found[concept].casefold() == shown


@pytest.mark.parametrize(
    "text",
    [
        "Reactive gliosis",
        "Gliose periventrikulär",
        "Astrocytosis",
        "Plasmacytosis, reactive",
        "Kein Hinweis auf ein Osteosarkom",
        "No cholangiocarcinoma",
        "Sarcomatoid features not seen",
        "Carcinomatous",
        "Radiculomyelopathy",
        "Encephalomyelitis disseminata",
        "Beinlymphödem",
        "Osteosarcopenia",
        "Hypermelanosis",
        "Pseudolymphoma of the skin",
        "Tubular adenoma of colon",
        "MDS-UPDRS part III score 32",
        "Anti-GBM disease",
        "Reactive mesothelial cells",
        "Chorda tympani",
        "Funikuläre Myelose",
        "Denies fever, urinary retention, cholangiocarcinoma",
        "Kein Fieber, Harnverhalt, Urothelkarzinom",
    ],
)
def test_other_words_and_denials_are_no_compound_neoplasm(text: str) -> None:
    """Words that only look like such a compound (gliosis beside glioma, a myelopathy
    beside a myeloma, a lymphoedema beside a lymphoma: only the head with an ending of
    its own), a benign look-alike (``not_compounds``), an abbreviation joined to another
    word by a hyphen, and a compound in a denied list name no neoplasm."""
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert not found & {"oncology", "spinal_malignancy"}, (text, found)


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Analvenenthrombose", None),
        ("Thrombozyten 250/nl", None),
        ("Heavy menstrual bleeding with blood clots", None),
        # a fall from standing height is no major trauma (no vertebral fracture by itself),
        # but a minor one, which the rules read only with osteoporosis
        ("Падение с высоты собственного роста", "minor_trauma"),
        ("Taubheitsgefühl im linken Gesäß", None),
        ("похудела на 5 кг на диете", None),
        ("Diplopia since neck surgery", None),
        ("Beinvenenthrombose links", "coagulation_disorder"),
        ("Падение с высоты 3 м", "vertebral_fracture"),
        ("Похудел на 10 кг за 2 месяца", "spinal_malignancy"),
        ("Diplopia and dysarthria on neck extension", "vertebrobasilar_insufficiency"),
    ],
)
def test_the_new_everyday_words_name_only_what_they_say(text: str, concept: str | None) -> None:
    """Everyday words of a red flag are read where they say it, never where the same
    words say something ordinary (a fall from standing height, a diet)."""
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found == ({concept} if concept else set()), (text, found)


def test_a_clause_of_many_words_is_read_in_windows_that_overlap() -> None:
    """A run-on text with no stop (hundreds of words, a finding named many times, a
    word of mixed scripts thousands of letters long) is read, and what it names found:
    a finding near the end of a long clause, and one across the windows' seam."""
    from spinecare.kb.text import CLAUSE_WORDS, fold

    matcher = load_kb().text_matcher
    filler = "word " * (3 * CLAUSE_WORDS)
    assert {m.concept for m in matcher.find(filler + "saddle anaesthesia")} == {"cauda_equina"}
    seam = "word " * (CLAUSE_WORDS - 1) + "saddle anaesthesia " + filler
    assert {m.concept for m in matcher.find(seam)} == {"cauda_equina"}
    assert {m.concept for m in matcher.find("metastasis " * 2000)} == {"oncology"}
    assert fold("a" * 5000 + "ä").endswith("ä")
    assert fold("Сauda equina") == "cauda equina"
    # a denial at the head of a short clause still denies
    assert not matcher.find("denies saddle anaesthesia")


def test_a_finding_named_again_may_still_be_a_history() -> None:
    """A concept named many times in one clause is read again where a later mention may
    be its history ("prior metastases"), and a reading's sign stays with its value."""
    from spinecare.fhir.reader import _NAMED_VALUE

    matcher = load_kb().text_matcher
    text = " and ".join(f"cancer in T{n}" for n in range(4, 10)) + " and prior cancer"
    assert {m.concept for m in matcher.find(text)} == {"oncology", "history_of_cancer"}
    said = {m.concept for m in matcher.find("metastases in the spine and prior metastases")}
    assert said == {"oncology", "history_of_cancer"}
    assert _NAMED_VALUE.fullmatch("Base excess -3.2").groups() == ("Base excess", "-3.2")


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Screening for breast cancer", set()),
        ("Screening for breast cancer and metastatic breast cancer", {"oncology"}),
        ("Screening mammogram for breast cancer and DVT left leg", {"coagulation_disorder"}),
        ("Скрининг на рак молочной железы", set()),
        ("Скрининг на рак молочной железы и метастазы в позвоночник", {"spinal_malignancy"}),
    ],
)
def test_a_screening_names_only_what_it_looks_for(text: str, concepts: set[str]) -> None:
    """A ``negation_narrow`` cue ends at "and": what the note adds is the patient's."""
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found >= concepts
    assert concepts or not found & {"oncology", "coagulation_disorder"}


@pytest.mark.parametrize(
    ("text", "mine"),
    [
        ("Accompanied by her husband, mother with history of breast cancer", False),
        ("Accompanied by son, father died of colon cancer", False),
        ("Begleitet von ihrem Ehemann, Mutter verstarb an Mammakarzinom", False),
        ("Accompanied by her mother, father for urinary retention", True),
        # a bare "has", "had", "is" may begin what the relative saw of the patient
        ("Accompanied by her husband, daughter has noticed urinary retention", True),
        ("Accompanied by her husband, mother had breast cancer", True),
        ("Kommt mit Ehemann, Tochter hat Harnverhalt bemerkt", True),
    ],
)
def test_a_relative_who_has_it_is_no_companion(text: str, mine: bool) -> None:
    """A ``relative_has`` word after the relative begins the relative's own clause; a word
    that may also begin what the relative says of the patient does not."""
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert bool(found & {"oncology", "cauda_equina"}) is mine


def test_one_more_companion_before_a_colon_leaves_the_finding_the_patients() -> None:
    text = "Accompanied by her husband, daughter: saddle anaesthesia"
    assert "cauda_equina" in {m.concept for m in load_kb().text_matcher.find(text)}


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        # a region of the spine is no lumbago (a low back pain)
        ("Lumbar puncture", set()),
        ("Punción lumbar", set()),
        ("Lumbalpunktion, lumbale Stenose", set()),
        ("Люмбальная пункция", set()),
        ("Lumbago", {"spinal_pain"}),
        ("Lumbagos", {"spinal_pain"}),
        ("Люмбаго", {"spinal_pain"}),
        ("Lumbar pain", {"spinal_pain"}),
        # a physical examination's result after an abbreviation: no pulmonary embolism
        ("PE: normal", set()),
        ("P.E. - WNL", set()),
        ("PE: NAD", set()),
        ("TEP : normale", set()),
        ("PE on CT", {"coagulation_disorder"}),
        ("PE confirmed, otherwise normal", {"coagulation_disorder"}),
        # an exercise test's metabolic equivalents: no metastases
        ("METs 8", set()),
        ("METs: 10.1", set()),
        ("Achieved 8.5 METs", set()),
        ("Exercise test: 7 METS", set()),
        ("METS to L3", {"spinal_malignancy", "oncology"}),
        ("T12 METS", {"spinal_malignancy", "oncology"}),
        ("Bone mets", {"spinal_malignancy", "oncology"}),
        # an oncology nurse is staff, in the reader's five languages
        ("Seen by oncology nurse", set()),
        ("Осмотрена онкологической медсестрой", set()),
        ("Beratung durch onkologische Pflegekraft", set()),
        ("Vue par l'infirmière en oncologie", set()),
        ("Valorada por enfermera oncológica", set()),
        ("Oncology nurse visit for chemotherapy", {"oncology"}),
    ],
)
def test_words_that_only_look_like_a_finding_name_none(text: str, concepts: set[str]) -> None:
    assert {m.concept for m in load_kb().text_matcher.find(text)} == concepts
