"""The layer contract of wkdist's imports (what import-linter's ``layers`` contract checks).

Every import inside ``wkdist/`` is read with ``ast``: at module level, inside
functions and under ``if TYPE_CHECKING:``. An import may point only down the
layers (or within its own package), and no two modules may import each other,
directly or through others, at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wkdist"

#: Top to bottom; the packages on one line are independent of each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("wkdist", "wkdist.cli"),
    ("wkdist.demo", "wkdist.dataset_properties"),
    ("wkdist.dataset",),
    ("wkdist.jobs",),
    ("wkdist.run",),
    ("wkdist.dask_bridge",),
    ("wkdist.journal",),
    ("wkdist.storage", "wkdist.properties", "wkdist.images"),
    ("wkdist._atomic",),
    ("wkdist.location",),
    ("wkdist.geometry",),
    ("wkdist.sample_data", "wkdist.utils"),
    ("wkdist.config", "wkdist.errors"),
)
LEVEL = {name: len(LAYERS) - i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def component(module: str) -> str:
    """The entry of :data:`LAYERS` a module belongs to (its longest listed prefix)."""
    candidates = [name for name in LEVEL if module == name or module.startswith(name + ".")]
    if not candidates:
        raise AssertionError(f"{module} is in no layer of LAYERS; add it there")
    return max(candidates, key=len)


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(imported wkdist module, line, only for type checkers)`` of every import in ``path``."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if _type_checking_block(node):
            typing_only.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # "from wkdist.x import y" may import the module wkdist.x.y
            names = [
                f"{base}.{alias.name}" if (PACKAGE.parent / f"{base}.{alias.name}".replace(".", "/")).exists()
                or (PACKAGE.parent / (f"{base}.{alias.name}".replace(".", "/") + ".py")).exists()
                else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name == "wkdist" or name.startswith("wkdist."):
                found.append((name, node.lineno, id(node) in typing_only))
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        component(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    here = component(module)
    upward = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}"
        + (" (for type checkers only)" if typing else "")
        for target, line, typing in imports(MODULES[module])
        if LEVEL[component(target)] > LEVEL[here]
        or (LEVEL[component(target)] == LEVEL[here] and component(target) != here)
    ]
    assert not upward, "imports pointing up (or sideways) the layers:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {
        module: {
            target if target in MODULES else target.rpartition(".")[0]
            for target, _, typing in imports(path)
            if not typing
        }
        - {module}
        for module, path in MODULES.items()
    }
    # A package's __init__ importing its own modules is how packages work, not a cycle.
    graph = {
        module: {t for t in targets if not (module.startswith(t + ".") and t in MODULES)}
        for module, targets in graph.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target in graph and not state.get(target):
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if not state.get(module):
            visit(module)
