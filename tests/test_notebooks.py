"""The lecture notebooks: committed executed, in order, and with outputs that match the current code.

nbmake (``--nbmake`` in the pytest settings) runs each notebook as a test of its own; this file checks
what nbmake does not: that the committed outputs are there, error-free, and still what the code prints;
that each notebook closes with its checks and a few things to try; and that ``pip install -e
".[notebooks]"`` brings everything a notebook needs. Regenerate the outputs with
``pytest --nbmake --overwrite notebooks``.
"""

from __future__ import annotations

import configparser
import json
import re
import sys
import sysconfig
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LECTURE = sorted(NOTEBOOKS.glob("*.ipynb"))               # the lecture, one section per notebook, in English
KOREAN = sorted((NOTEBOOKS / "ko").glob("*.ipynb"))       # the Korean companion, the notes in their order
PATHS = LECTURE + KOREAN
REGENERATE = "regenerate the outputs with: pytest --nbmake --overwrite notebooks"


def name(path: Path) -> str:
    return str(path.relative_to(NOTEBOOKS))


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_lecture_notebooks_are_numbered_in_order():
    names = [p.name for p in LECTURE]
    assert len(names) >= 6
    for number, name in enumerate(names, start=1):
        assert re.fullmatch(rf"{number:02d}_[a-z0-9_]+\.ipynb", name), name
    assert names[:6] == ["01_computational_graphs.ipynb", "02_sigmoid_neuron.ipynb",
                         "03_patterns_in_gradient_flow.ipynb", "04_vectorised_operations.ipynb",
                         "05_modular_api.ipynb", "06_neural_networks.ipynb"]


def test_the_korean_companion_is_in_its_own_folder_and_links_the_english_notebooks():
    assert [p.name for p in KOREAN] == ["lecture4_ko.ipynb"]
    text = "\n".join(cell.source for cell in read(KOREAN[0]).cells if cell.cell_type == "markdown")
    linked = set(re.findall(r"\]\(\.\./(\d\d_[a-z0-9_]+\.ipynb)\)", text))
    assert linked == {p.name for p in LECTURE}                  # every English notebook, each one there
    assert "## 용어집 (glossary)" in text
    terms = [("역전파", "backpropagation"), ("기울기", "gradient"), ("연쇄 법칙", "chain rule"),
             ("국소 기울기", "local gradient"), ("상류 기울기", "upstream gradient"),
             ("하류 기울기", "downstream gradient"), ("게이트", "gate"), ("분기, 복사", "fan-out")]
    for korean, english in terms:
        assert re.search(rf"^\| {korean} \| [^|]*{english}", text, re.M), (korean, english)
    hangul = sum("\uac00" <= c <= "\ud7a3" for c in text)
    assert hangul > 2000                                        # Korean prose, not a translated title


@pytest.mark.parametrize("path", PATHS, ids=name)
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


@pytest.mark.parametrize("path", PATHS, ids=name)
def test_ends_by_asserting_the_sections_numbers(path):
    cells = code_cells(read(path))
    assert "assert" in cells[-1].source, f"{path.name}: the last cell should assert the section's key numbers"
    assert cells[-1].outputs, f"{path.name}: the last cell has no output"


@pytest.mark.parametrize("path", PATHS, ids=name)
def test_closes_with_things_to_try(path):
    nb = read(path)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Try it"), \
        f"{path.name}: the last cell should be a markdown cell '## Try it' with a few prompts"
    assert len(re.findall(r"^- ", last.source, re.M)) >= 2


@pytest.mark.parametrize("path", [p for p in LECTURE if p.name[:2] in {"01", "02", "03", "04", "05"}]
                         + KOREAN, ids=name)
def test_lecture_notebooks_show_drawings_and_traces(path):
    kinds = {kind for cell in code_cells(read(path)) for output in cell.outputs
             for kind in output.get("data", {})}
    assert "image/svg+xml" in kinds, f"{path.name}: no graph drawing"


# --- what a fresh, untrusted JupyterLab shows, before anything runs -----------------------------------

@pytest.mark.parametrize("path", PATHS, ids=name)
def test_every_drawing_carries_a_png_for_viewers_that_show_no_svg(path):
    """JupyterLab renders no SVG of a notebook it does not trust yet; the PNG beside it shows instead."""
    drawings = [output for cell in code_cells(read(path)) for output in cell.outputs
                if "image/svg+xml" in output.get("data", {})]
    for output in drawings:
        assert "image/png" in output.data, f"{path.name}: a drawing without its PNG; {REGENERATE}"
        size = output.metadata.get("image/png", {})
        assert set(size) == {"width", "height"} and size["width"] > 50, path.name   # at the SVG's size


def kernel_info() -> tuple[dict, dict]:
    """The kernelspec JupyterLab writes into a notebook it opens, and the language_info the kernel reports."""
    jupyter_client = pytest.importorskip("jupyter_client")
    spec = jupyter_client.kernelspec.KernelSpecManager().get_kernel_spec("python3")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        reply = client.kernel_info(reply=True, timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    kernelspec = {"name": "python3", "display_name": spec.display_name, "language": spec.language}
    return kernelspec, reply["content"]["language_info"]


@pytest.fixture(scope="module")
def kernel():
    return kernel_info()


@pytest.mark.parametrize("path", PATHS, ids=name)
def test_opening_a_notebook_changes_nothing_in_it(path, kernel):
    """JupyterLab rewrites a notebook's kernelspec and language_info from the kernel it starts for it, and
    a notebook whose metadata then differs shows as modified before anything runs: keep them as it writes
    them."""
    nb = read(path)
    kernelspec, language_info = kernel
    assert nb.metadata.kernelspec == kernelspec, f"{path.name}: {nb.metadata.kernelspec} != {kernelspec}"
    committed = dict(nb.metadata.language_info)
    if committed.get("version") != language_info["version"]:
        pytest.skip(f"the notebooks were committed with Python {committed.get('version')} and this is "
                    f"{language_info['version']}: JupyterLab updates language_info.version on opening them")
    assert committed == language_info, f"{path.name}: language_info; {REGENERATE}"


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


#: Every module loaded, and its file: run as a last cell after each notebook, and in a bare interpreter.
_LOADED = ("import json, sys; "
           "print(json.dumps({k: getattr(m, '__file__', None) for k, m in list(sys.modules.items())}))")


@pytest.fixture(scope="module")
def fresh_run():
    """Run a notebook once (per test session) in a fresh kernel: its cells, and the modules it loaded."""
    nbclient = pytest.importorskip("nbclient")
    runs: dict[Path, tuple] = {}

    def run(path: Path):
        if path not in runs:
            nb = read(path)
            nb.cells.append(nbformat.v4.new_code_cell(_LOADED))
            nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}}).execute()
            probe = nb.cells.pop()
            runs[path] = nb, json.loads(probe.outputs[0].text)
        return runs[path]

    return run


@pytest.mark.parametrize("path", PATHS, ids=name)
def test_committed_outputs_match_a_fresh_run(path, fresh_run):
    committed = read(path)
    fresh, _ = fresh_run(path)
    for number, (old, new) in enumerate(zip(_texts(committed), _texts(fresh), strict=True), start=1):
        assert _same(old[0], new[0]), (
            f"{path.name}, code cell {number}: the committed output is not what the code prints now; "
            f"{REGENERATE}\n--- committed ---\n{old[0][:1500]}\n--- now ---\n{new[0][:1500]}")


def test_same_tolerates_rounding_but_not_changes():
    assert _same("loss 0.246, accuracy 99%", "loss 0.247, accuracy 98%")
    assert not _same("loss 0.246", "loss 0.346")
    assert not _same("f = -12", "f = -12 (new)")
    assert not _same("df/dx = -4", "df/dx = 4")


# --- pip install -e ".[notebooks]" brings everything a notebook needs --------------------------------

def setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def extras() -> dict[str, list[str]]:
    """setup.cfg's extras: name -> requirement strings."""
    section = setup_cfg()["options.extras_require"]
    return {name: lines(section[name]) for name in section}


def files_of_extra(extra: str) -> set[Path]:
    """The files ``pip install -e ".[extra]"`` installs besides gategraph: those of the extra's
    requirements in setup.cfg, of theirs as the installed distributions declare them, and so on."""
    from importlib import metadata

    packaging = pytest.importorskip("packaging.requirements")
    from packaging.utils import canonicalize_name

    def requirements(name: str, with_extras: frozenset[str]) -> list[str]:
        if canonicalize_name(name) == "gategraph":           # ours: as setup.cfg says now
            core = lines(setup_cfg()["options"]["install_requires"])
            return core + [r for e in with_extras for r in extras()[e]]
        wanted = []
        for text in metadata.distribution(name).requires or []:
            marker = packaging.Requirement(text).marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in with_extras or {""}):
                wanted.append(text)
        return wanted

    files: set[Path] = set()
    todo, seen = [("gategraph", frozenset({extra}))], set()
    while todo:
        name, with_extras = todo.pop()
        if (canonicalize_name(name), with_extras) in seen:
            continue
        seen.add((canonicalize_name(name), with_extras))
        try:
            if canonicalize_name(name) != "gategraph":
                distribution = metadata.distribution(name)
                files.update(Path(distribution.locate_file(f)).resolve() for f in distribution.files or [])
            wanted = requirements(name, with_extras)
        except metadata.PackageNotFoundError:  # not installed here: nothing of it can have been loaded
            continue
        for requirement in map(packaging.Requirement, wanted):
            todo.append((requirement.name, frozenset(requirement.extras)))
    return files


def test_the_notebooks_extra_brings_jupyter_and_a_graphviz_engine():
    notebooks = extras()["notebooks"]
    names = {re.split(r"[<>=!~\[ ;]", requirement)[0] for requirement in notebooks}
    assert {"jupyterlab", "ipykernel"} <= names                      # `jupyter lab notebooks/` and its kernel
    assert "gategraph[viz]" in notebooks                             # the drawings' Graphviz engine
    assert extras()["viz"] == ["graphviz-pure>=0.2"]
    names = {path.name for path in files_of_extra("notebooks")}
    assert {"ipykernel_launcher.py", "pyplot.py", "graphviz-pure"} <= names


@pytest.mark.parametrize("path", PATHS, ids=name)
def test_every_module_a_notebook_loads_comes_with_the_notebooks_extra(path, fresh_run, children):
    """Each module the kernel had loaded by the end of a run comes from the notebooks extra, from
    gategraph itself, from the standard library, or was there before any code ran (the interpreter's
    start-up, a virtual environment's .pth hooks)."""
    _, loaded = fresh_run(path)
    assert {"numpy", "gates", "graph", "ipykernel"} <= loaded.keys()
    started = children.run([sys.executable, "-c", _LOADED], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    at_startup = json.loads(started.stdout)
    ours = [ROOT / "gates", ROOT / "graph"]
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}    # not a virtual environment's
    standard = [Path(sysconfig.get_paths(vars=base)[key]).resolve() for key in ("stdlib", "platstdlib")]
    installed = [Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")]
    provided = files_of_extra("notebooks")
    missing = {}
    for name, file in loaded.items():
        if file is None or name in at_startup:      # built into the interpreter, or loaded before any code
            continue
        where = Path(file).resolve()
        in_standard = any(where.is_relative_to(d) for d in standard) and not any(
            where.is_relative_to(d) for d in installed)
        if not (where in provided or in_standard or any(where.is_relative_to(d) for d in ours)):
            missing[name] = file
    packages = sorted({name.split(".")[0] for name in missing})
    assert not missing, (f"{path.name} loads {packages}, which pip install -e '.[notebooks]' does not bring: "
                         f"add their distributions to the notebooks extra in setup.cfg (files: {missing})")


def test_the_readme_opens_the_notebooks_with_one_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = 'pip install -e ".[notebooks]" && jupyter lab notebooks/'
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert any(line.startswith(command) for line in blocks[0].splitlines())   # among the opening commands
    assert readme.count(command) >= 2                                           # and the notebooks' section
