"""The README's tour runs as written, and its two set-up commands stay its first commands."""

import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


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
