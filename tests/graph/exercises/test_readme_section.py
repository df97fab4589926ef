"""The README's exercises section: its example runs and prints the verdict shown there."""

import re
from pathlib import Path

README = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Exercises\n", 1)[1].split("\n## ", 1)[0]


def test_the_example_prints_the_verdict_the_readme_shows(capsys):
    code = re.search(r"```python\n(.*?)```", SECTION, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", SECTION, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown


def test_the_section_shows_the_command_and_what_it_prints(tmp_path, capsys):
    from graph.cli import main

    assert "$ gategraph exercises my-exercises | tail -1" in SECTION
    assert main(["exercises", str(tmp_path / "my-exercises")]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.replace(str(tmp_path / "my-exercises"), "my-exercises") in SECTION
