"""The committed ``schema.graphql`` is exactly what the code generates."""

from __future__ import annotations

from pathlib import Path

from app.graphql import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    generated = build_schema().as_str() + "\n"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == generated, (
        "schema.graphql is stale: run `.venv/bin/python -m app export-schema` and commit it"
    )


def test_every_type_and_field_of_ours_has_a_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []
