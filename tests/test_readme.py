"""The README's tour runs as written, and its two set-up commands stay its first commands."""

import configparser
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_tour_runs_and_gives_the_numbers_it_shows(tmp_path, monkeypatch, capsys):
    tour = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    monkeypatch.chdir(tmp_path)  # the tour writes f.svg
    namespace: dict = {}
    exec(compile(tour, "README.md", "exec"), namespace)
    g = namespace["g"]
    assert g.forward(x=-2, y=5, z=-4) == -12.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert namespace["mul"].backward(2.0) == (-8.0, 6.0)
    assert (tmp_path / "f.svg").read_text().count("-4") >= 3
    table = re.search(r"```text\n(.*?)```", README, re.S).group(1)
    assert str(g.trace()).strip() == table.strip()


def test_the_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1).splitlines()
    assert first_block[0].startswith("pip install -e . && gategraph lecture")
    assert first_block[1].startswith('pip install -e ".[test]" && pytest')


def test_the_test_command_says_why_a_test_was_skipped():
    """The README's ``pytest`` takes its options from setup.cfg: the summary lists each skip with its
    reason (the browser tests where no Chromium exists, ...), and still each failure and error."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    options = shlex.split(config["tool:pytest"]["addopts"])
    report = [option[2:] for option in options if option.startswith("-r")]
    assert report and set("fEs") <= set(report[-1]), report


def test_the_training_figures_are_what_gategraph_train_prints(capsys):
    """Each ``$ gategraph train ...`` of the training section prints what the README shows (the
    default optimizer's figures, the linear classifier's, Adam's)."""
    from graph.cli import main

    block = re.search(r"## Training the lecture's network.*?```console\n(.*?)```", README, re.S).group(1)
    runs = re.findall(r"^\$ gategraph train(.*?)(?:\s+#.*)?\n((?:[^$].*\n)*)", block, re.M)
    assert len(runs) == 3, runs
    for command, shown in runs:
        argv, _, tail = command.partition("|")
        assert main(["train", *argv.split()]) == 0
        printed = capsys.readouterr().out.splitlines()
        if tail:
            printed = printed[-int(tail.split()[-1].lstrip("-")):]
        assert printed == shown.splitlines(), command


def test_the_code_compile_writes_is_what_the_readme_shows(capsys):
    """The ``gategraph lecture --code`` lines of "Backprop as code", and the vectorised example's lines."""
    from graph.cli import main
    from graph.lecture import vectorised

    section = re.search(r"## Backprop as code(.*?)## The notebooks", README, re.S).group(1)
    block = re.search(r"```console\n\$ gategraph lecture --code \| sed -n '(\d+),(\d+)p'\n(.*?)```",
                      section, re.S)
    first, last, shown = int(block.group(1)), int(block.group(2)), block.group(3)
    assert main(["lecture", "--code"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[first - 1:last] == shown.splitlines()
    example = vectorised()
    example.run()
    lines = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    assert lines in example.graph.compile().source
