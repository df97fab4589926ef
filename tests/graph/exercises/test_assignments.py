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
CHECKER = r"\bcheck(_engine|_network|_loss|_layer|_update)?\("


@pytest.mark.parametrize("path", SOURCES[5:], ids=lambda p: p.name)
def test_each_new_exercise_is_checked_in_the_very_next_code_cell(path):
    code = _code(_notebook(path))
    for i, text in enumerate(code):
        if BEGIN in text:
            after = code[i + 1]
            assert re.search(CHECKER, after) or BEGIN in after, f"{path.name}: no check after {text[:60]!r}"


@pytest.mark.parametrize("path", SOURCES[5:], ids=lambda p: p.name)
def test_each_new_notebook_shows_the_verdict_for_one_classic_mistake(path):
    text = "\n".join(_code(_notebook(path)))
    slip = {"06": "svm_loss_counting_the_correct_class", "07": "affine_backward_flat",
            "08": "sgd_momentum_forgetting", "09": "two_layer_with_dh1_transposed"}[path.name[:2]]
    assert re.search(rf"\bcheck\w*\((\w+, )?{slip}\b", text), f"{path.name}: {slip} is not checked"


def test_nine_numbered_notebooks_ship_in_the_package():
    names = [p.name for p in SOURCES]
    assert names == ["01_add_multiply_max.ipynb", "02_sigmoid.ipynb", "03_vectorised.ipynb",
                     "04_graph_engine.ipynb", "05_two_layer_network.ipynb", "06_losses.ipynb",
                     "07_layers.ipynb", "08_update_rules.ipynb", "09_backprop_by_hand.ipynb"]


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
        assert any(re.search(CHECKER, text) for text in code[i + 1:]), code[i][:80]
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


def test_writing_leaves_the_learners_notebooks_alone_and_writes_the_others(tmp_path):
    target = tmp_path / "new" / "dir"
    written, kept = write_student_notebooks(target)
    assert [p.name for p in written] == [p.name for p in SOURCES] and kept == []
    assert all(p.parent == target for p in written)
    written[0].write_text("my work", encoding="utf-8")
    written[1].unlink()
    again, kept = write_student_notebooks(target)  # only the missing one is written
    assert again == [written[1]] and written[0] in kept and len(kept) == len(SOURCES) - 1
    assert written[0].read_text(encoding="utf-8") == "my work" and written[1].exists()
    with pytest.raises(FileExistsError, match=r"already holds every exercise notebook \(01_add_multiply_max"):
        write_student_notebooks(target)
    assert written[0].read_text(encoding="utf-8") == "my work"
    forced, kept = write_student_notebooks(target, force=True)
    assert len(forced) == len(SOURCES) and kept == []
    assert json.loads(written[0].read_text(encoding="utf-8"))["nbformat"] == 4


def test_a_folder_with_the_first_five_exercises_gets_the_new_ones(tmp_path):
    first_five = [p.name for p in SOURCES[:5]]
    for name in first_five:
        (tmp_path / name).write_text(f"solved {name}", encoding="utf-8")
    written, kept = write_student_notebooks(tmp_path)
    assert [p.name for p in written] == [p.name for p in SOURCES[5:]] and len(written) == 4
    assert [p.name for p in kept] == first_five
    assert all((tmp_path / name).read_text(encoding="utf-8") == f"solved {name}" for name in first_five)
