"""Tenant scoping a reader can check (ARCHITECTURE §4): every query function of every service's
store filters on `firm_id` (or inserts it), or says in its docstring why it need not: its row is
"reached through" a parent that was loaded by firm in the same request, or it works "across
firms by design" (sign-in, replicas keyed by id, housekeeping); a module whose docstring says
"across firms by design" (accounts and sessions, which belong to a person, not a firm) covers
its functions. A store function with none of these fails here, so a query that forgets the
tenant cannot slip in unnoticed."""

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).parents[2] / "services"
SCOPED = re.compile(
    r"\bfirm_id\b\s*(=|IN\b|<>)|INSERT INTO\s+\w+\s*\([^)]*\bfirm_id\b", re.I | re.S
)
NOTED = re.compile(r"reached through|across firms by design", re.I)
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", re.I)


def store_modules(service: str) -> list[Path]:
    root = SERVICES / service
    folder = root / "store"
    return sorted(folder.glob("*.py")) if folder.is_dir() else [root / "store.py"]


def _strings(node: ast.AST) -> str:
    return " ".join(
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def unscoped(path: Path) -> list[str]:
    """The query functions of one store module that neither filter on the firm nor say why."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if NOTED.search(ast.get_docstring(tree) or ""):
        return []
    constants = {
        target.id: _strings(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in tree.body:
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        text = " ".join([_strings(node), *(constants[name] for name in names if name in constants)])
        doc = ast.get_docstring(node) or ""
        if SQL.search(text) and not SCOPED.search(text) and not NOTED.search(doc):
            found.append(f"{path.relative_to(SERVICES)}:{node.lineno} {node.name}")
    return found


@pytest.mark.parametrize("service", ["identity", "documents", "signing", "notify", "billing"])
def test_every_query_filters_on_the_firm_or_says_why_not(service: str) -> None:
    missing = [name for path in store_modules(service) for name in unscoped(path)]
    assert missing == [], "\n".join(missing)
