"""Migrations are frozen history: they never import the project's code, which changes after them."""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps

from moderation.models import ModerationRule
from moderation.rules import compile_rules

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted(REPO.glob("*/migrations/0*.py"))


def test_there_are_migrations_to_check():
    assert len(MIGRATIONS) >= 10 and any(p.name == "0004_seed_default_rules.py" for p in MIGRATIONS)


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_a_migration_imports_django_only(path):
    imported = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    assert [name for name in imported if name.split(".")[0] != "django"] == []


seeding = importlib.import_module("moderation.migrations.0004_seed_default_rules")


@pytest.mark.django_db
def test_the_seeded_default_rules_are_valid_and_seeding_is_idempotent():
    ModerationRule.objects.all().delete()
    seeding.seed(apps, None)
    seeding.seed(apps, None)
    rows = list(ModerationRule.objects.order_by("name"))
    assert sorted(row.name for row in rows) == sorted(row["name"] for row in seeding.ROWS)
    assert len(compile_rules([row.as_rule() for row in rows]).rules) == len(seeding.ROWS)  # each one validates
    seeding.unseed(apps, None)
    assert not ModerationRule.objects.exists()
