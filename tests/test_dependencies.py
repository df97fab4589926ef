"""The house rule: graph -> gates -> numpy, and nothing optional in the core."""

import sys

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
