"""The docs cover what the code offers: settings, rule types, CDS services, commands."""

from __future__ import annotations

from spinecare.kb.expressions import EXPRESSION_TYPES
from spinecare.kb.schema import FILES
from spinecare.settings import Settings, render_docs
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_settings_reference_is_generated_from_the_declaration() -> None:
    assert read("settings.md") == render_docs()
    for name in Settings.model_fields:
        assert f"SPINECARE_{name.upper()}" in read("settings.md")


def test_every_rule_type_is_documented() -> None:
    text = read("kb-authoring.md")
    for tag in EXPRESSION_TYPES:
        assert f"`{tag}`" in text, tag


def test_every_kb_file_is_documented() -> None:
    text = read("kb-authoring.md")
    for name in FILES:
        assert f"`{name}`" in text, name


def test_every_cds_service_is_documented() -> None:
    from spinecare.api.cds_hooks import SERVICES

    text = read("cds-hooks.md")
    for service_id in SERVICES:
        assert service_id in text, service_id


def test_every_prefetch_key_is_documented() -> None:
    """An EHR configures its prefetch from the discovery document: each key it will be
    asked for is in the table of docs/cds-hooks.md."""
    from spinecare.fhir.prefetch import kb_templates
    from spinecare.kb.loader import load_kb

    rows = [line.split(" | ")[0] for line in read("cds-hooks.md").splitlines()]
    documented = {key for row in rows if row.startswith("| `") for key in row.split("`")[1::2]}
    assert set(kb_templates(load_kb())) <= documented


def test_readme_links_every_doc_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        assert f"docs/{page.name}" in readme, page.name
