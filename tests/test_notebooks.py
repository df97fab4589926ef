"""The lecture notebooks: committed executed, in order, and with outputs that match the current code.

nbmake (``--nbmake`` in the pytest settings) runs each notebook as a test of its own; this file checks
what nbmake does not: that the committed outputs are there, error-free, and still what the code prints.
Regenerate them with ``pytest --nbmake --overwrite notebooks``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
REGENERATE = "regenerate the outputs with: pytest --nbmake --overwrite notebooks"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_lecture_notebooks_are_numbered_in_order():
    names = [p.name for p in PATHS]
    assert len(names) >= 6
    for number, name in enumerate(names, start=1):
        assert re.fullmatch(rf"{number:02d}_[a-z0-9_]+\.ipynb", name), name
    assert names[:6] == ["01_computational_graphs.ipynb", "02_sigmoid_neuron.ipynb",
                         "03_patterns_in_gradient_flow.ipynb", "04_vectorised_operations.ipynb",
                         "05_modular_api.ipynb", "06_neural_networks.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_with_outputs_executed_top_to_bottom_without_errors(path):
    nb = read(path)
    cells = code_cells(nb)
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not executed top to bottom; {REGENERATE}"
    for cell in cells:
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}: a committed error output; {REGENERATE}"
            assert not (output.output_type == "stream" and output.name == "stderr"), \
                f"{path.name}: stderr in the committed outputs (a warning?): {output.text[:200]}"
    assert nb.metadata.kernelspec.name == "python3"
    assert path.stat().st_size < 1_000_000, f"{path.name} is {path.stat().st_size} bytes: keep figures small"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_ends_by_asserting_the_sections_numbers(path):
    cells = code_cells(read(path))
    assert "assert" in cells[-1].source, f"{path.name}: the last cell should assert the section's key numbers"
    assert cells[-1].outputs, f"{path.name}: the last cell has no output"


@pytest.mark.parametrize("path", [p for p in PATHS if p.name[:2] in {"01", "02", "03", "04", "05"}],
                         ids=lambda p: p.name)
def test_lecture_notebooks_show_drawings_and_traces(path):
    kinds = {kind for cell in code_cells(read(path)) for output in cell.outputs
             for kind in output.get("data", {})}
    assert "image/svg+xml" in kinds, f"{path.name}: no graph drawing"


# --- the committed outputs are what the code prints today -------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _texts(nb) -> list[list[str]]:
    """Per code cell, its text outputs: stdout, and the HTML or plain text of results without a picture."""
    texts = []
    for cell in code_cells(nb):
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                if not any(kind.startswith("image/") for kind in data):
                    parts.append(data.get("text/html", data.get("text/plain", "")))
        texts.append(["".join(parts)])
    return texts


def _same(committed: str, fresh: str) -> bool:
    """Equal text, numbers within 5% (another machine's BLAS may round a trained network differently)."""
    if _NUMBER.split(committed) != _NUMBER.split(fresh):
        return False
    for a, b in zip(_NUMBER.findall(committed), _NUMBER.findall(fresh), strict=True):
        x, y = float(a), float(b)
        if abs(x - y) > 0.05 * max(abs(x), abs(y)) + 1e-9:
            return False
    return True


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_outputs_match_a_fresh_run(path):
    nbclient = pytest.importorskip("nbclient")
    committed = read(path)
    fresh = read(path)
    nbclient.NotebookClient(fresh, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for number, (old, new) in enumerate(zip(_texts(committed), _texts(fresh), strict=True), start=1):
        assert _same(old[0], new[0]), (
            f"{path.name}, code cell {number}: the committed output is not what the code prints now; "
            f"{REGENERATE}\n--- committed ---\n{old[0][:1500]}\n--- now ---\n{new[0][:1500]}")


def test_same_tolerates_rounding_but_not_changes():
    assert _same("loss 0.246, accuracy 99%", "loss 0.247, accuracy 98%")
    assert not _same("loss 0.246", "loss 0.346")
    assert not _same("f = -12", "f = -12 (new)")
    assert not _same("df/dx = -4", "df/dx = 4")
