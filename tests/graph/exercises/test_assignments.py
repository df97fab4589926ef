"""The exercise notebooks' sources, and the student versions made from them."""

import json
import re

import pytest

from graph.exercises.assignments import (
    BEGIN,
    END,
    sources,
    student_notebook,
    student_source,
    write_student_notebooks,
)

SOURCE = '''class MyAdd(Gate):
    """z = x + y."""

    def forward(self, x, y):
        ### BEGIN SOLUTION
        self.shapes = np.shape(x), np.shape(y)
        return x + y
        ### END SOLUTION

    def backward(self, dout):
        if True:
            ### BEGIN SOLUTION
            return dout, dout
            ### END SOLUTION'''


def test_each_solution_becomes_raise_not_implemented_at_its_indentation():
    assert student_source(SOURCE) == '''class MyAdd(Gate):
    """z = x + y."""

    def forward(self, x, y):
        # YOUR CODE HERE
        raise NotImplementedError

    def backward(self, dout):
        if True:
            # YOUR CODE HERE
            raise NotImplementedError'''


def test_hidden_tests_go_and_a_markdown_answer_becomes_a_prompt():
    cell = "print(score)\n### BEGIN HIDDEN TESTS\nassert score == 3\n### END HIDDEN TESTS"
    assert student_source(cell) == "print(score)"
    assert student_source(f"Why?\n{BEGIN}\nBecause add distributes.\n{END}", markdown=True) == \
        "Why?\nYOUR ANSWER HERE"


@pytest.mark.parametrize("source, message", [
    (f"{BEGIN}\nx = 1", r"nb, cell 3: '### BEGIN SOLUTION' at line 1 has no '### END SOLUTION'"),
    (f"x = 1\n{END}", r"'### END SOLUTION' at line 2 closes no block"),
    (f"{BEGIN}\n{BEGIN}\n{END}", r"at line 2 is inside the block opened at line 1"),
])
def test_markers_that_do_not_pair_up_are_an_error_naming_the_cell(source, message):
    with pytest.raises(ValueError, match=re.escape(message) if "nb," in message else message):
        student_source(source, "nb, cell 3")


# --- the shipped sources ------------------------------------------------------------------------------

def _notebook(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb):
    return ["".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code"]


SOURCES = sources()


def test_five_numbered_notebooks_ship_in_the_package():
    names = [p.name for p in SOURCES]
    assert names == ["01_add_multiply_max.ipynb", "02_sigmoid.ipynb", "03_vectorised.ipynb",
                     "04_graph_engine.ipynb", "05_two_layer_network.ipynb"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_a_source_teaches_asks_checks_and_is_stored_clean(path):
    nb = _notebook(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3" and nb["nbformat"] == 4
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# Exercise")
    code = _code(nb)
    asked = [i for i, text in enumerate(code) if BEGIN in text]
    assert asked, "no solution block"
    for i in asked:  # every exercise is checked in a later cell
        assert any(re.search(r"\bcheck(_engine|_network)?\(", text) for text in code[i + 1:]), code[i][:80]
    last = code[-1]  # the score, and hidden tests that make nbmake fail on a wrong solution
    assert "### BEGIN HIDDEN TESTS\nassert all(v.ok for v in verdicts)" in last
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "store sources without outputs"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_student_version_has_no_solution_and_no_output(path):
    nb = _notebook(path)
    student = student_notebook(nb, path.name)
    text = json.dumps(student)
    assert "SOLUTION" not in text and "HIDDEN TESTS" not in text
    blocks = sum(text.count(BEGIN) for text in _code(nb))
    assert sum(t.count("raise NotImplementedError") for t in _code(student)) == blocks
    assert all(cell.get("outputs", []) == [] for cell in student["cells"])
    assert nb == _notebook(path), "the source was changed"
    nbformat = pytest.importorskip("nbformat")
    nbformat.validate(nbformat.reads(json.dumps(student), as_version=4))


def test_writing_refuses_to_overwrite_unless_forced(tmp_path):
    target = tmp_path / "new" / "dir"
    written = write_student_notebooks(target)
    assert [p.name for p in written] == [p.name for p in SOURCES]
    assert all(p.parent == target for p in written)
    written[0].write_text("my work", encoding="utf-8")
    written[1].unlink()
    with pytest.raises(FileExistsError, match=r"already holds 01_add_multiply_max\.ipynb, 03_vectorised"):
        write_student_notebooks(target)
    assert written[0].read_text(encoding="utf-8") == "my work" and not written[1].exists()
    write_student_notebooks(target, force=True)
    assert json.loads(written[0].read_text(encoding="utf-8"))["nbformat"] == 4 and written[1].exists()
