"""An unsolved exercise stops "Run All" at the first cell that needs it, naming the exercise in one line.

A student notebook runs like "Run All" in JupyterLab: cell after cell until the first error. The
checks before it report ``not-implemented`` and never raise; the first cell that uses the learner's
code itself stops, with a ``NotImplementedError`` whose message names the exercise to solve, and a
traceback of that cell alone: nothing through the engine.
"""

import json
import re

import pytest

from graph.exercises.assignments import sources, student_notebook
from graph.exercises.unsolved import require_solved, stubs

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: What "Run All" on each student notebook stops at: the exercise its first error names.
FIRST_UNSOLVED = {"01_add_multiply_max.ipynb": "Exercise 1.1", "02_sigmoid.ipynb": "Exercise 2.1",
                  "03_vectorised.ipynb": "Exercise 3.1",
                  "04_graph_engine.ipynb": "Exercise 4.1 · Forward, and 4.2 · Backward",
                  "05_two_layer_network.ipynb": "Exercise 5 · The 2-layer network's backward pass",
                  "06_losses.ipynb": "Exercise 6.1",       # the numerical gradient of your loss
                  "07_layers.ipynb": "Exercise 7.2",       # the classic slip, made from your affine layer
                  "08_update_rules.ipynb": "Exercise 8.1",  # the classic slip, made from your momentum
                  "09_backprop_by_hand.ipynb": "Exercises 9.1 to 9.5 · Every stage backward"}


def run_all(nb, folder):
    """Execute like JupyterLab's "Run All": stop at the first error; return the cell it stopped at."""
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    with pytest.raises(nbclient.exceptions.CellExecutionError):
        client.execute()
    failed = [cell for cell in nb.cells if cell.cell_type == "code"
              and any(output.output_type == "error" for output in cell.outputs)]
    assert len(failed) == 1
    return failed[0]


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_run_all_stops_at_the_first_cell_that_needs_an_unsolved_exercise_and_names_it(path, tmp_path):
    source = json.loads(path.read_text(encoding="utf-8"))
    nb = nbformat.reads(json.dumps(student_notebook(source, path.name)), as_version=4)
    cell = run_all(nb, tmp_path)
    assert "require_solved(" in cell.source.splitlines()[0] or "require_solved(" in cell.source
    [error] = [output for output in cell.outputs if output.output_type == "error"]
    exercise = FIRST_UNSOLVED[path.name]
    assert error.ename == "NotImplementedError"
    assert error.evalue.startswith(f"{exercise} is not solved yet: "), error.evalue
    assert f'Write it in the cell under "{exercise}"' in error.evalue or "Write them" in error.evalue
    shown = ANSI.sub("", "\n".join(error.traceback))
    assert "engine.py" not in shown and "computational_graph.py" not in shown  # no engine
    assert "graph/exercises" not in shown
    assert shown.count("Cell In[") == 1 and "File " not in shown                        # the cell alone
    assert len(shown.splitlines()) <= 12, shown


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_no_top_level_graph_node_is_named_like_a_gates_input(path, tmp_path):
    """A backward that reads ``x`` for ``self.x`` must fail at once (NameError), not find a node."""
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import inspect, json\n"
        "from graph.nodes import Node\n"
        "nodes = sorted(k for k, v in dict(globals()).items() if isinstance(v, Node))\n"
        "inputs = sorted({p for v in list(globals().values()) if inspect.isclass(v)\n"
        "                 for f in vars(v).values() if inspect.isfunction(f)\n"
        "                 for p in inspect.signature(f).parameters if p != 'self'})\n"
        "print(json.dumps([nodes, inputs]))"))
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    nodes, inputs = json.loads(nb.cells[-1].outputs[0].text)
    assert inputs, "no gate of the learner's found"
    assert not set(nodes) & set(inputs), f"{path.name}: top-level nodes {sorted(set(nodes) & set(inputs))}"


def test_require_solved_names_the_first_stub_and_passes_written_code():
    class Done:
        def forward(self, x):
            return x

    class Half(Done):
        def backward(self, dout):
            raise NotImplementedError

    def unsolved(X):
        for _ in X:
            raise NotImplementedError

    assert stubs(Done) == [] and stubs(Half) == ["Half.backward"] and stubs(unsolved) == ["unsolved"]
    require_solved({"Exercise 1": Done, "Exercise 2": Done()})
    expected = (r"^Exercise 2 is not solved yet: Half\.backward still raises NotImplementedError\. "
                r'Write it in the cell under "Exercise 2", run that cell, then this one\.$')
    with pytest.raises(NotImplementedError, match=expected):
        require_solved({"Exercise 1": Done, "Exercise 2": Half(), "Exercise 3": unsolved})


def test_require_solved_reads_plain_functions_and_an_exercise_that_asks_for_several():
    """Course-shaped exercises are functions, some in pairs (a layer's forward and backward): as the
    student version has them, a stub raises before a ``return`` of names it never set."""
    def affine_forward(x, w, b):
        # YOUR CODE HERE
        raise NotImplementedError
        return out, cache  # noqa: F821

    def affine_backward(dout, cache):
        # YOUR CODE HERE
        raise NotImplementedError
        return dx, dw, db  # noqa: F821

    def relu_forward(x):
        return max(0, x), x

    def relu_backward(dout, cache):
        return dout * (cache > 0)

    pair = (affine_forward, affine_backward)
    assert stubs(pair) == ["affine_forward", "affine_backward"] and stubs([relu_forward, relu_backward]) == []
    require_solved({"Exercise 7.3": (relu_forward, relu_backward), "Exercise 7.4": relu_forward})
    both = (r"^Exercise 7\.2 is not solved yet: affine_forward and affine_backward still raise "
            r'NotImplementedError\. Write them in the cell under "Exercise 7\.2", run that cell, '
            r"then this one\.$")
    with pytest.raises(NotImplementedError, match=both):
        require_solved({"Exercise 7.3": (relu_forward, relu_backward), "Exercise 7.2": pair})
    one = r"^Exercise 7\.2 is not solved yet: affine_backward still raises NotImplementedError\. Write it in "
    with pytest.raises(NotImplementedError, match=one):
        require_solved({"Exercise 7.2": (relu_forward, affine_backward)})
