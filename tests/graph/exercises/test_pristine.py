"""The built-in gates as the checkers captured them: copies that no later patch reaches."""

import numpy as np

import gates
from gates import Gate, Multiply, Scale
from graph.exercises.pristine import BUILT_IN, PRISTINE, pristine, pristine_class


def test_every_public_gate_is_copied_with_its_name_docstring_and_methods():
    public = {getattr(gates, n) for n in gates.__all__}
    gate_classes = {g for g in public if isinstance(g, type) and issubclass(g, Gate) and g is not Gate}
    assert set(BUILT_IN) == gate_classes
    for cls, copy in PRISTINE.items():
        assert copy is not cls and issubclass(copy, Gate)
        assert copy.__name__ == cls.__name__ and copy.__doc__ == cls.__doc__


def test_a_patch_after_import_reaches_the_class_but_not_its_copy(monkeypatch):
    monkeypatch.setattr(gates.Multiply, "forward", lambda self, x, y: 0.0)
    assert Multiply().forward(3.0, -4.0) == 0.0
    assert pristine_class(Multiply)().forward(3.0, -4.0) == -12.0
    assert pristine(Multiply()).forward(3.0, -4.0) == -12.0


def test_an_instance_keeps_its_constants_and_a_learners_gate_stays_as_it_is():
    half = pristine(Scale(0.5))
    assert half.forward(np.array([2.0])) == 1.0 and type(half) is PRISTINE[Scale]

    class Mine(Multiply):
        """A learner's subclass."""

    mine = Mine()
    assert pristine(mine) is mine and pristine_class(Mine) is Mine
