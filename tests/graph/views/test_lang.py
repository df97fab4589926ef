"""The catalogues of the pages' words: one file per language, each with English's keys and fields."""

import shutil
import string
import sys
from pathlib import Path

import pytest

import graph.views.lang
from graph.lecture import simple_circuit
from graph.views.lang import DEFAULT, catalogue, languages
from graph.views.player import Player


def fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_english_is_the_default_and_korean_is_there():
    assert DEFAULT == "en"
    assert {"en", "ko"} <= set(languages())


@pytest.mark.parametrize("lang", languages())
def test_every_catalogue_has_englishs_keys_with_the_same_fields(lang):
    english, other = catalogue("en"), catalogue(lang)
    assert other.keys() == english.keys()
    for key, template in english.items():
        assert fields(other[key]) == fields(template), f"{lang}: {key}"
        assert other[key].strip(), f"{lang}: {key} is empty"


def test_korean_is_korean_prose_that_keeps_the_english_terms():
    ko = catalogue("ko")
    hangul = [key for key, text in ko.items() if any("\uac00" <= c <= "\ud7a3" for c in text)]
    assert len(hangul) >= 0.7 * len(ko)
    for term in ("downstream", "local", "upstream", "gradient", "gate", "topological order"):
        assert any(term in text for text in ko.values()), term


def test_an_unknown_language_is_refused_naming_those_there_are():
    with pytest.raises(ValueError, match=r"no messages in language 'xx'; the languages are en, ko"):
        catalogue("xx")
    example = simple_circuit()
    example.run()
    with pytest.raises(ValueError, match="'xx'"):
        Player(example.graph.tape(), lang="xx")


def test_a_third_language_is_one_file(tmp_path, monkeypatch):
    """Copy en.py, translate it, drop it beside the others: the player speaks it."""
    folder = tmp_path / "more"
    folder.mkdir()
    source = Path(graph.views.lang.__file__).with_name("en.py")
    shutil.copy(source, folder / "xx.py")
    text = (folder / "xx.py").read_text(encoding="utf-8").replace('"Done: "', '"Fini : "')
    (folder / "xx.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(graph.views.lang, "__path__", [*graph.views.lang.__path__, str(folder)])
    try:
        assert "xx" in languages()
        example = simple_circuit()
        example.run()
        player = Player(example.graph.tape(), lang="xx")
        assert player.captions[-1].splitlines()[-1] == "Fini : f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3"
    finally:
        catalogue.cache_clear()
        sys.modules.pop("graph.views.lang.xx", None)
