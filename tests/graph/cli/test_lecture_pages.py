"""``gategraph lecture --html DIR --lang LANG``: the step-through pages in another language."""

import re

import pytest

from graph.cli import main
from graph.lecture import examples
from graph.views.draw import find_engine

needs_engine = pytest.mark.skipif(find_engine() is None,
                                  reason='no Graphviz engine installed (pip install "gategraph[viz]")')


@needs_engine
def test_korean_pages_have_korean_titles_links_and_captions(tmp_path, capsys):
    assert main(["lecture", "--html", str(tmp_path), "--lang", "ko"]) == 0
    capsys.readouterr()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.startswith('<!DOCTYPE html>\n<html lang="ko">')
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', index)
    assert titles == ["간단한 회로", "sigmoid 뉴런: *-1, exp, +1, 1/x gate의 회로",
                      "sigmoid 뉴런: sigmoid gate 하나", "단계별 계산 (staged computation)",
                      "gradient 흐름의 패턴", "벡터 연산: 행렬 곱과 squared norm"]
    assert "<code>gategraph lecture --html</code>로 만들었습니다." in index
    pages = sorted(tmp_path.glob("0*.html"))
    assert [p.name[:2] for p in pages] == [f"{n:02d}" for n in range(1, len(examples()) + 1)]
    first = pages[0].read_text(encoding="utf-8")
    assert "↑ 모든 예제" in first and "다음 예제 →" in first and 'lang="ko"' in first
    assert "<title>간단한 회로: f = (x + y) * z</title>" in first
    assert "완료: f = -12; ∂f/∂x = -4" in re.sub(r"<[^>]+>", "", first)  # the last caption, scriptless


def test_english_stays_the_default(tmp_path, capsys):
    if find_engine() is None:
        pytest.skip('no Graphviz engine installed (pip install "gategraph[viz]")')
    assert main(["lecture", "--html", str(tmp_path)]) == 0
    capsys.readouterr()
    assert '<html lang="en">' in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Done: f = -12" in re.sub(r"<[^>]+>", "", (tmp_path / "01-a-simple-circuit.html").read_text())


@pytest.mark.parametrize("argv, message", [
    (["lecture", "--lang", "ko"], "--lang captions the step-through pages: give --html DIR too"),
    (["lecture", "--html", "out", "--lang", "xx"], "invalid choice: 'xx' (choose from 'en', 'ko')"),
])
def test_a_language_without_pages_or_without_a_catalogue_is_a_usage_error(argv, message, tmp_path,
                                                                         monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph lecture") and message in err
    assert not (tmp_path / "out").exists()
