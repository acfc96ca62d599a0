"""How web/ is arranged, read from its source with ``ast``: blueprints import what they share
from modules that are not blueprints, and the reader's access is chosen in one place
(``kb.reader``), never passed around as a flag; and the app closes its knowledge base."""
from __future__ import annotations

import ast
import gc
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.conftest import make_app
from tests.web.pages import kb_of

WEB = ROOT / "web"
FACTORY = WEB / "__init__.py"  # the application factory registers the blueprints


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def web_modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(), str(path))
            for path in sorted(WEB.rglob("*.py"))}


def defines_blueprint(tree: ast.Module) -> bool:
    """Whether a module makes a Flask blueprint at its top level."""
    return any(isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
               and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "Blueprint"
               for node in tree.body)


def imported_modules(name: str, tree: ast.Module) -> set[str]:
    """Every module ``name`` imports, anywhere in it (``from web import x`` counts as web.x)."""
    package = name if name == "web" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_blueprints_are_found() -> None:
    """The check below has something to check: each page area is a blueprint module."""
    blueprints = {name for name, tree in web_modules().items() if defines_blueprint(tree)}
    assert {"web.search", "web.documents", "web.api", "web.collections", "web.curation",
            "web.recommendations", "web.themes", "web.trends", "web.account"} <= blueprints


def test_no_module_of_web_but_the_app_factory_imports_a_blueprint_module() -> None:
    modules = web_modules()
    blueprints = {name for name, tree in modules.items() if defines_blueprint(tree)}
    offending = {name: sorted(imported_modules(name, tree) & blueprints)
                 for name, tree in modules.items() if name != module_name(FACTORY)}
    assert {name: found for name, found in offending.items() if found} == {}


def test_access_is_never_a_flag_in_web() -> None:
    """What a reader may see is chosen once per request (``web.knowledge.reader``)."""
    files = [path for path in WEB.rglob("*") if path.suffix in (".py", ".html", ".js")]
    assert len(files) > 20
    assert [str(path.relative_to(ROOT)) for path in files
            if "include_restricted" in path.read_text()] == []


def test_the_app_closes_its_knowledge_base_when_it_goes(corpus_data: Path) -> None:
    app = make_app(corpus_data)
    assert app.test_client().get("/themes").status_code == 200
    store = kb_of(app).store  # the only way to see it closed
    del app
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError):
        store.conn.execute("SELECT 1")
