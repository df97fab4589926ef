"""The house rule: graph -> gates -> numpy, and nothing optional in the core."""

import ast
import sys
from pathlib import Path

from tests.processes import owned_children

OPTIONAL = ["matplotlib", "graphviz", "tqdm", "sklearn", "scipy", "IPython", "hypothesis", "pytest"]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    with owned_children() as children:
        done = children.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_gates_never_imports_graph():
    assert "graph" not in _modules_after("import gates")


def test_core_needs_numpy_alone():
    loaded = _modules_after("import gates, graph")
    assert "numpy" in loaded
    assert not {name for name in loaded if name.split(".")[0] in OPTIONAL}


# --- the import graph, read from the source: every import, at the top of a module or inside a function ---

ROOT = Path(__file__).resolve().parents[1]
#: The engine: what the lecture's loops need. The views, the compiler, the networks, the exercises and
#: the command line stand on it; it never reaches up to them.
ENGINE = {"graph.engine", "graph.nodes", "graph.tape", "graph.errors"}
ABOVE = ("graph.views", "graph.compile", "graph.nn", "graph.exercises", "graph.cli",
         "graph.computational_graph", "graph.lecture")


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of gates and graph -> the modules of gates and graph it imports (absolute or relative)."""
    modules = {_module_of(p): p for package in ("gates", "graph") for p in (ROOT / package).rglob("*.py")}
    found: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            found[name] |= {t for t in targets if t in modules and t != name}
    return found


def test_no_import_circles():
    """Tarjan's strongly connected components of the import graph: each module a component of its own.

    A package's ``__init__`` re-exporting its modules is not a circle: its own modules' imports of it are
    left out (they import a sibling through it only by mistake, and that would show as an import of the
    sibling itself).
    """
    graph = _imports()
    edges = {m: {t for t in targets if not (t == m.rpartition(".")[0] or m.startswith(t + "."))}
             for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for t in sorted(edges[m]):
            if t not in index:
                visit(t)
                low[m] = min(low[m], low[t])
            elif t in stack:
                low[m] = min(low[m], index[t])
        if low[m] == index[m]:
            component = []
            while True:
                t = stack.pop()
                component.append(t)
                if t == m:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for m in sorted(edges):
        if m not in index:
            visit(m)
    assert circles == []


def test_the_engine_imports_nothing_above_it_and_gates_nothing_of_graph():
    graph = _imports()
    back = {(m, t) for m, targets in graph.items() for t in targets
            if (m in ENGINE and t.startswith(ABOVE)) or (m.startswith("gates") and t.startswith("graph"))}
    assert back == set()
