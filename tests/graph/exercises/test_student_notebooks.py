"""The student notebooks run: up to their first exercise check, which reports not-implemented there.

The sources, with their solutions, are run by nbmake like every notebook under the test paths
(``graph/exercises/notebooks/*.ipynb``); their last cell asserts, in a hidden test, that every
verdict passed. Here the student versions run in a kernel: nothing before the first check fails,
and every check reports ``not-implemented`` instead of crashing.
"""

import json

import pytest

from graph.exercises.assignments import BEGIN, sources, student_notebook

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

VERDICT = 'data-gategraph-verdict="'


def _verdicts(cell):
    """The verdicts a cell displayed, by their HTML hook."""
    html = "".join(output.get("data", {}).get("text/html", "") for output in cell.outputs)
    return [part.split('"', 1)[0] for part in html.split(VERDICT)[1:]]


def _errors(cell):
    return [output for output in cell.outputs if output.output_type == "error"]


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_the_student_version_reports_not_implemented_at_each_check(path, tmp_path):
    source = json.loads(path.read_text(encoding="utf-8"))
    asked = next(i for i, cell in enumerate(source["cells"]) if BEGIN in "".join(cell["source"]))
    nb = nbformat.reads(json.dumps(student_notebook(source, path.name)), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    cells = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    first_check = next(i for i, cell in cells if i > asked and _verdicts(cell))
    for i, cell in cells:
        if i <= first_check:
            assert not _errors(cell), f"{path.name}, cell {i + 1} fails before the first check"
        if i > asked:  # every check of the learner's code says so: nothing written yet
            assert set(_verdicts(cell)) <= {"not-implemented"}, f"{path.name}, cell {i + 1}"
        for error in _errors(cell):  # later cells that use the learner's code directly stop there
            assert error.ename == "NotImplementedError", f"{path.name}, cell {i + 1}: {error.ename}"
    assert _verdicts(nb.cells[first_check]) == ["not-implemented"]
    score = "".join(o.get("text", "") for o in cells[-1][1].outputs)
    assert score.startswith("0 of "), score
