"""``gategraph exercises DIR``: the student notebooks written, never over a learner's work."""

import configparser
import json
from pathlib import Path

import pytest

import graph.exercises
from graph.cli import main
from graph.exercises.assignments import sources

NAMES = [p.name for p in sources()]


def test_it_writes_the_student_notebooks_and_lists_them(tmp_path, capsys):
    target = tmp_path / "exercises"
    assert main(["exercises", str(target)]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == NAMES
    for name in NAMES:
        assert str(target / name) in out
        notebook = json.loads((target / name).read_text(encoding="utf-8"))
        code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        assert "raise NotImplementedError" in code and "SOLUTION" not in code
    assert f"open them with: jupyter lab {target}" in out


def test_it_never_overwrites_a_learners_work_without_force(tmp_path, capsys):
    assert main(["exercises", str(tmp_path)]) == 0
    mine = tmp_path / NAMES[0]
    mine.write_text("my solutions", encoding="utf-8")
    capsys.readouterr()
    assert main(["exercises", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"already holds every exercise notebook ({', '.join(NAMES)})" in err
    assert "use --force to overwrite them" in err
    assert mine.read_text(encoding="utf-8") == "my solutions"
    assert main(["exercises", "--force", str(tmp_path)]) == 0
    assert json.loads(mine.read_text(encoding="utf-8"))["nbformat"] == 4


def test_a_folder_holding_exercises_1_to_5_gets_6_to_9_and_keeps_the_learners_files(tmp_path, capsys):
    solved = NAMES[:5]
    for name in solved:
        (tmp_path / name).write_text("my solutions", encoding="utf-8")
    assert main(["exercises", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [str(tmp_path / name) for name in NAMES[5:]]
    assert out[4] == (f"left as they were (already there, your work): {', '.join(solved)}; "
                      "--force overwrites them")
    assert out[5] == f"4 new notebooks; open them with: jupyter lab {tmp_path}"
    assert all((tmp_path / name).read_text(encoding="utf-8") == "my solutions" for name in solved)
    assert sorted(p.name for p in tmp_path.iterdir()) == NAMES


def test_a_file_in_place_of_the_directory_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["exercises", str(path)])
    assert exit_.value.code == 2
    assert "not a directory" in capsys.readouterr().err


def test_a_wheel_carries_the_notebooks():
    # The notebooks are package data: setup.cfg must declare a pattern that takes every one of them.
    root = Path(graph.exercises.__file__).parent
    config = configparser.ConfigParser()
    config.read(root.parents[1] / "setup.cfg")
    patterns = config["options.package_data"]["graph.exercises"].split()
    shipped = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)}
    assert {f"notebooks/{name}" for name in NAMES} <= shipped
