"""check(): every built-in gate passes, and each mistake id is named on a gate written to make it."""

import numpy as np
import pytest

import gates
from gates import (
    Add,
    AddConstant,
    Divide,
    Gate,
    MatMul,
    Max,
    Mean,
    Multiply,
    Power,
    Scale,
    Sigmoid,
    SoftmaxCrossEntropy,
    SquaredNorm,
    Subtract,
    Sum,
    SVMLoss,
    unbroadcast,
)
from graph.exercises import MISTAKES, Labels, Verdict, check

# --- every built-in gate passes against itself --------------------------------------------------------

MATMUL_SHAPES = [[(3, 4), (4, 2)], [(4,), (4, 2)], [(3, 4), (4,)], [(4,), (4,)], [(3, 3), (3, 3)]]
LOSS_SHAPES = [(5, 3), Labels(3)]

#: (gate, shapes) for every public gate class; a class is instantiated by check itself.
BUILT_IN = [
    (Add, None), (Subtract, None), (Multiply, None), (Divide, None), (Max, None),
    (gates.Negate, None), (Scale(-1), None), (Scale(2.5), None), (AddConstant(1), None),
    (gates.Reciprocal, None), (Power(2), None), (Power(0.5), None), (Power(-1), None),
    (gates.Exp, None), (gates.Log, None), (Sigmoid, None), (gates.Tanh, None), (gates.ReLU, None),
    (gates.LeakyReLU, None), (gates.LeakyReLU(alpha=0.2), None), (gates.ELU, None),
    (MatMul, MATMUL_SHAPES), (SquaredNorm, None), (SquaredNorm, [[(2,)], [(3, 4)]]),
    (Sum, None), (Sum(axis=0), None), (Mean, None), (Mean(axis=1), None),
    (SoftmaxCrossEntropy, LOSS_SHAPES), (SVMLoss, LOSS_SHAPES),
]


def _name(case):
    gate, _ = case
    return gate.__name__ if isinstance(gate, type) else repr(gate)


def test_every_public_gate_class_is_among_the_built_in_cases():
    public = {getattr(gates, name) for name in gates.__all__}
    classes = {g for g in public if isinstance(g, type) and issubclass(g, Gate) and g is not Gate}
    covered = {g if isinstance(g, type) else type(g) for g, _ in BUILT_IN}
    assert classes <= covered, sorted(c.__name__ for c in classes - covered)


@pytest.mark.parametrize("case", BUILT_IN, ids=[_name(c) for c in BUILT_IN])
def test_a_correct_gate_passes(case):
    gate, shapes = case
    verdict = check(gate, gate, shapes=shapes)
    assert verdict.ok, str(verdict)
    assert verdict.mistake is None
    assert "agrees with" in verdict.message and "dout left unchanged" in verdict.message


def test_a_learner_subclass_and_an_instance_pass_too():
    class MyMultiply(Multiply):
        """A learner's copy: the same rules."""

    assert check(MyMultiply, Multiply).ok
    assert check(MyMultiply(), Multiply()).ok
    assert check(Scale(-1), Scale(-1)).subject == "Scale"


# --- one buggy gate per mistake ---------------------------------------------------------------------

class NotWritten(Gate):
    """The student version: the solution replaced by raise NotImplementedError."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        raise NotImplementedError


class NoForward(Gate):
    """Not even forward is there: Gate's own raises NotImplementedError."""


class DividesByZero(Multiply):
    """Crashes in backward."""

    def backward(self, dout):
        return self.y * dout / 0, self.x * dout


class KeepsNothing(Gate):
    """Forward keeps nothing, backward needs it: an AttributeError."""

    def forward(self, x, y):
        return x * y

    def backward(self, dout):
        return self.y * dout, self.x * dout


class OneGradientOfTwo(Multiply):
    """Returns dx alone."""

    def backward(self, dout):
        return (unbroadcast(self.y * dout, np.shape(self.x)),)


class BareGradient(Sigmoid):
    """A one-input gate returning its gradient without the tuple."""

    def backward(self, dout):
        return self.local * dout


class ForgetsToReturn(Sigmoid):
    """backward computes, and returns nothing."""

    def backward(self, dout):
        self.local * dout


class NoUnbroadcast(Add):
    """Returns dout for both inputs, whatever their shapes."""

    def backward(self, dout):
        return dout, dout


class LocalOnly(Multiply):
    """The local gradients, never multiplied by dout."""

    def backward(self, dout):
        ones = np.ones_like(dout)
        return unbroadcast(self.y * ones, np.shape(self.x)), unbroadcast(self.x * ones, np.shape(self.y))


class AddLocalOnly(Add):
    """Add's local gradients are 1: for scalars, any wrong number is also a multiple of the right one."""

    def backward(self, dout):
        ones = np.ones_like(dout)
        return unbroadcast(ones, self.x_shape), unbroadcast(ones, self.y_shape)


class NotSwitched(Multiply):
    """The switcher that does not switch: dx = x dout."""

    def backward(self, dout):
        return unbroadcast(self.x * dout, np.shape(self.x)), unbroadcast(self.y * dout, np.shape(self.y))


class RoutesToTheSmaller(Max):
    """Max's gradient sent to the smaller input."""

    def backward(self, dout):
        dx = dout * np.logical_not(self.x_wins)
        return unbroadcast(dx, self.x_shape), unbroadcast(dout - dx, self.y_shape)


class DividesTheWrongWay(Divide):
    """forward computes y / x."""

    def forward(self, x, y):
        super().forward(x, y)
        return np.divide(y, x)


class SignOfDySlipped(Subtract):
    """dy = +dout: for equal shapes that is also the right dx, with broadcasting it is not."""

    def backward(self, dout):
        return unbroadcast(dout, self.x_shape), unbroadcast(dout, self.y_shape)


class NegatedSigmoid(Sigmoid):
    """The local gradient with the wrong sign."""

    def backward(self, dout):
        return (-self.local * dout,)


class ForgetsTheTwo(SquaredNorm):
    """d/dq of q² without its 2."""

    def backward(self, dout):
        return (self.q * dout,)


class MeanOfTheWrongCount(Mean):
    """Divides by one more element than it averaged."""

    def backward(self, dout):
        (dx,) = super().backward(dout)
        return (dx * self.n / (self.n + 1),)


class TransposedDb(MatMul):
    """db = doutᵀ·a, the transpose of aᵀ·dout."""

    def backward(self, dout, needs_input_grad=(True, True)):
        return dout @ self.b.T, dout.T @ self.a


class KeepsTheFirstInputs(Gate):
    """Keeps x and y from the first forward only."""

    def forward(self, x, y):
        if not hasattr(self, "x"):
            self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return self.y * dout, self.x * dout


class KeepsTheFirstOutput(Sigmoid):
    """Computes its output once."""

    def forward(self, x):
        if not hasattr(self, "cached"):
            self.cached = super().forward(x)
        super().forward(x)
        return self.cached


class PilesUp(Sigmoid):
    """Adds each gradient to the previous ones."""

    def backward(self, dout):
        self.total = getattr(self, "total", 0.0) + self.local * dout
        return (self.total,)


class ScalesDoutInPlace(Scale):
    """Right values, but dout itself is changed."""

    def backward(self, dout):
        dout *= self.c
        return (dout,)


class TimesDoutInPlace(Multiply):
    """Changes dout, and so gets dy wrong as well."""

    def backward(self, dout):
        dx = unbroadcast(self.y * dout, np.shape(self.x))
        dout *= self.x
        return dx, unbroadcast(dout, np.shape(self.y))


class SigmoidWithoutOneMinus(Sigmoid):
    """σ dout instead of (1 - σ) σ dout: no fingerprint fits."""

    def forward(self, x):
        self.out = super().forward(x)
        return self.out

    def backward(self, dout):
        return (self.out * dout,)


class NoGradientForY(Multiply):
    """None for an input that needs a gradient."""

    def backward(self, dout):
        return unbroadcast(self.y * dout, np.shape(self.x)), None


class ChangesItsInput(Multiply):
    """Scales x in place in forward."""

    def forward(self, x, y):
        if isinstance(x, np.ndarray):
            x *= 1.0001
        return super().forward(x, y)


# (learner, reference, shapes, expected mistake, words the message must contain)
MISTAKE_CASES = [
    (NotWritten, Multiply, None, "not-implemented", ["`NotWritten.backward`", "raise NotImplementedError"]),
    (NoForward, Multiply, None, "not-implemented", ["NotImplementedError"]),
    (DividesByZero, Multiply, None, "crashed",
     ["ZeroDivisionError", "test_check.py, line", "`return self.y * dout / 0, self.x * dout"]),
    (KeepsNothing, Multiply, None, "crashed", ["AttributeError", "self.y = ...", "must keep these around"]),
    (OneGradientOfTwo, Multiply, None, "wrong-count", ["(dx, dy)", "a tuple of 1"]),
    (BareGradient, Sigmoid, None, "wrong-count", ["`return (dx,)`", "not a tuple"]),
    (ForgetsToReturn, Sigmoid, None, "wrong-count", ["None", "forget to `return`"]),
    (NoUnbroadcast, Add, None, "wrong-shape",
     ["dy of shape (3, 4), but y has shape (4,)", "summed back to shape (4,)", "copy adds"]),
    (LocalOnly, Multiply, None, "ignores-upstream", ["local gradient alone", "local × upstream"]),
    (AddLocalOnly, Add, None, "ignores-upstream", ["your dx = 1 is the local gradient"]),
    (NotSwitched, Multiply, None, "swapped-inputs", ["gives x the gradient that belongs to y", "switcher"]),
    (RoutesToTheSmaller, Max, None, "swapped-inputs", ["router", "larger input"]),
    (DividesTheWrongWay, Divide, None, "swapped-inputs", ["`DividesTheWrongWay.forward`", "(y, x)"]),
    (SignOfDySlipped, Subtract, None, "wrong-sign", ["sign of dy", "`dy = -dout`"]),
    (NegatedSigmoid, Sigmoid, None, "wrong-sign", ["sign of dx", "(1 - σ(x)) σ(x)"]),
    (ForgetsTheTwo, SquaredNorm, None, "wrong-scale", ["0.5 times the right one", "the 2 of a square"]),
    (MeanOfTheWrongCount, Mean, [(4,)], "wrong-scale", ["0.8 times the right one"]),
    (TransposedDb, MatMul, [(3, 3), (3, 3)], "transposed",
     ["transpose of the right one", "is the right db["]),
    (TransposedDb, MatMul, [(3, 4), (4, 2)], "transposed", ["db of shape (2, 4), but b has shape (4, 2)"]),
    (KeepsTheFirstInputs, Multiply, None, "stale-cache", ["gradient at the first forward's inputs"]),
    (KeepsTheFirstOutput, Sigmoid, None, "stale-cache", ["returned the first one's output"]),
    (PilesUp, Sigmoid, None, "stale-cache", ["pile up"]),
    (ScalesDoutInPlace(-1), Scale(-1), None, "mutates-upstream", ["changed dout in place", "`dout *= ...`"]),
    (TimesDoutInPlace, Multiply, None, "mutates-upstream", ["changed dout in place"]),
    (SigmoidWithoutOneMinus, Sigmoid, None, "wrong", ["computes dx wrong", "the rule of Sigmoid"]),
    (NoGradientForY, Multiply, None, "wrong", ["dy is None", "class labels"]),
    (ChangesItsInput, Multiply, None, "wrong", ["changed its input x in place"]),
]


def _case_id(case):
    gate, _, _, mistake, _ = case
    return f"{mistake}:{gate.__name__ if isinstance(gate, type) else type(gate).__name__}"


@pytest.mark.parametrize("case", MISTAKE_CASES, ids=[_case_id(c) for c in MISTAKE_CASES])
def test_each_mistake_is_named_and_explained(case):
    gate, reference, shapes, mistake, words = case
    verdict = check(gate, reference, shapes=shapes)
    assert not verdict.ok
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


class RunsForever(Multiply):
    """backward never returns."""

    def backward(self, dout):
        while True:
            dout = dout + 0.0


def test_a_gate_that_runs_past_the_time_limit_is_stopped_and_the_line_named():
    verdict = check(RunsForever, Multiply, timeout=0.2)
    assert verdict.mistake == "timeout", str(verdict)
    assert "`RunsForever.backward(dout)` was still running after 0.2 s" in verdict.message
    assert "and was stopped at test_check.py, " in verdict.message  # the line, or the function between lines
    assert "`timeout=60`" in verdict.message


def test_every_mistake_id_has_a_gate_written_for_it():
    assert {case[3] for case in MISTAKE_CASES} | {"timeout"} == set(MISTAKES)


def test_the_message_quotes_the_numbers_of_the_worst_element():
    verdict = check(NotSwitched, Multiply)
    # The first trial is on scalars: the message gives the inputs, dout, the learner's dx and the right one.
    text = verdict.message
    for part in ["For x = ", "y = ", "dout = ", "your dx = ", "the right dx = "]:
        assert part in text, text
    x, y, dout = (float(text.split(f"{name} = ")[1].split(",")[0].split(" ")[0])
                  for name in ("x", "y", "dout"))
    yours = float(text.split("your dx = ")[1].split(" ")[0])
    right = float(text.split("the right dx = ")[1].rstrip(".").split(".\n")[0].split(" ")[0].rstrip("."))
    assert yours == pytest.approx(x * dout, rel=1e-3)        # x·dout: the gradient of y
    assert right == pytest.approx(y * dout, rel=1e-3)        # y·dout: mul switches


def test_where_diagnoses_coincide_for_scalars_the_arrays_decide():
    # For scalars, AddLocalOnly's 1 is 1/dout times the right dout (a "constant factor"), and a stale
    # gradient is a multiple of the right one: the later rounds rule the factor out.
    assert check(AddLocalOnly, Add).mistake == "ignores-upstream"
    assert check(KeepsTheFirstInputs, Multiply).mistake == "stale-cache"
    # Subtract's dy = +dout is the right dx as long as x and y have one shape; broadcasting tells them apart.
    assert check(SignOfDySlipped, Subtract).mistake == "wrong-sign"
    assert check(SignOfDySlipped, Subtract, shapes=[(3, 4), (3, 4)]).mistake == "swapped-inputs"


def test_the_same_seed_gives_the_same_verdict_and_another_seed_other_numbers():
    assert str(check(NotSwitched, Multiply, seed=3)) == str(check(NotSwitched, Multiply, seed=3))
    assert check(NotSwitched, Multiply, seed=4).message != check(NotSwitched, Multiply, seed=3).message
    assert check(NotSwitched, Multiply, seed=4).mistake == "swapped-inputs"


# --- whatever the learner's gate does, check returns a verdict ----------------------------------------

class ReturnsText(Gate):
    """forward returns a string."""

    def forward(self, x):
        return "sigmoid"

    def backward(self, dout):
        return (dout,)


class TakesOneInput(Gate):
    """forward takes one input where the reference takes two."""

    def forward(self, x):
        return x

    def backward(self, dout):
        return (dout,)


class NeedsAnArgument(Scale):
    """A learner's class whose constructor needs its constant."""


class RaisesKeyError(Sigmoid):
    """A crash from deep inside a dict."""

    def backward(self, dout):
        return ({}["local"],)


@pytest.mark.parametrize("gate, reference, mistake", [
    (ReturnsText, Sigmoid, "wrong"), (TakesOneInput, Multiply, "crashed"),
    (NeedsAnArgument, Scale(-1), "crashed"),
    (RaisesKeyError, Sigmoid, "crashed"),
])
def test_a_wrong_gate_never_raises(gate, reference, mistake):
    verdict = check(gate, reference)
    assert (verdict.ok, verdict.mistake) == (False, mistake), str(verdict)


class CachedOnce(Gate):
    """Issue 17: keeps x and y on the first forward only, copied: a stale cache of another shape later."""

    def forward(self, x, y):
        if not hasattr(self, "x"):
            self.x, self.y = np.copy(x), np.copy(y)
        return x * y

    def backward(self, dout):
        return unbroadcast(self.y * dout, np.shape(self.x)), unbroadcast(self.x * dout, np.shape(self.y))


class SumsEverything(Gate):
    """Issue 17: a () gradient for inputs of shapes (2, 1) and (1, 3)."""

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return np.sum(dout), np.sum(dout)


class KeepsTheFirstShapes(Gate):
    """Keeps the shapes of the first forward only: later gradients get the shapes of the scalars."""

    def forward(self, x, y):
        if not hasattr(self, "first"):
            self.first = np.shape(x), np.shape(y)
        return x + y

    def backward(self, dout):
        return unbroadcast(dout, self.first[0]), unbroadcast(dout, self.first[1])


def test_the_reproducers_of_issue_17_get_a_verdict_not_an_index_error():
    for shapes in (None, [[(), ()], [(3, 4), (3, 4)]], [[(), ()], [(2, 1), (1, 3)]]):
        verdict = check(CachedOnce, Multiply, shapes=shapes)
        assert verdict.mistake == "stale-cache", str(verdict)
    verdict = check(SumsEverything, Add, shapes=[(2, 1), (1, 3)])
    assert verdict.mistake == "wrong-shape", str(verdict)
    assert "dx of shape (), but x has shape (2, 1)" in verdict.message


def test_a_gradient_shaped_by_an_earlier_forward_is_a_stale_cache():
    verdict = check(KeepsTheFirstShapes, Add)
    assert verdict.mistake == "stale-cache", str(verdict)
    assert ("returns dx of shape (), the shape it had when this instance ran on scalars; for the inputs it "
            "has now it must have shape (3, 4)") in verdict.message


class PatchesMultiply(Multiply):
    """A learner's gate that, as it runs, replaces the library's Multiply.backward with a wrong rule."""

    def backward(self, dout):
        gates.Multiply.backward = NotSwitched.backward
        return unbroadcast(self.y * dout, np.shape(self.x)), unbroadcast(self.x * dout, np.shape(self.y))


def test_a_gate_that_patches_the_library_changes_no_later_verdict(monkeypatch):
    monkeypatch.setattr(gates.Multiply, "backward", gates.Multiply.backward)  # put back after the test
    assert check(PatchesMultiply, Multiply).ok
    assert gates.Multiply.backward is NotSwitched.backward  # the patch took
    assert check(NotSwitched, Multiply).mistake == "swapped-inputs"
    assert check(Multiply(), Multiply).mistake == "swapped-inputs"  # the patched class, judged as it is now


NOTEBOOK = """
import numpy as np
from gates import Gate, unbroadcast
from graph import Input

x, y, z, w = Input("x"), Input("y"), Input("z"), Input("w")   # the notebook's graph, at top level


class MyMultiply(Gate):
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return unbroadcast(y * dout, np.shape(x)), unbroadcast(x * dout, np.shape(y))   # not self.y, self.x
"""


def test_a_gradient_that_is_a_graph_node_names_the_global_the_backward_read():
    namespace = {}
    exec(compile(NOTEBOOK, "<notebook cell>", "exec"), namespace)
    verdict = check(namespace["MyMultiply"], Multiply)  # np.shape(x) of a node is None: unbroadcast fails
    assert verdict.mistake == "wrong", str(verdict)
    assert "`MyMultiply.backward` read the globals `y` and `x`" in verdict.message
    assert "the notebook's graph nodes Input('y') and Input('x')" in verdict.message
    assert "Did you mean `self.y` and `self.x`?" in verdict.message
    fixed = NOTEBOOK.replace("np.shape(x)", "np.shape(self.x)").replace("np.shape(y)", "np.shape(self.y)")
    exec(compile(fixed.replace("x * dout", "self.x * dout"), "<notebook cell>", "exec"), namespace)
    verdict = check(namespace["MyMultiply"], Multiply)  # y * dout: a node comes back as dx
    assert verdict.mistake == "wrong", str(verdict)
    assert "returned a graph node for dx, not a number" in verdict.message
    assert "it read the global `y`, the notebook's graph node Input('y')" in verdict.message
    assert "Did you mean `self.y`?" in verdict.message


def test_a_comparison_the_learners_value_defeats_is_a_verdict_too(monkeypatch):
    import sys

    module = sys.modules["graph.exercises.check"]  # (the package's name `check` is the function)

    def fails(*args):
        raise RuntimeError("cannot compare that")

    monkeypatch.setattr(module, "worst", fails)
    verdict = check(NotSwitched, Multiply)
    assert verdict.mistake == "wrong" and "RuntimeError: cannot compare that" in verdict.message


def test_the_time_limit_is_off_in_a_thread_and_leaves_no_alarm_behind():
    import signal
    import threading

    results = []
    worker = threading.Thread(target=lambda: results.append(check(Multiply, Multiply, timeout=0.01)))
    worker.start()
    worker.join()
    assert results[0].ok  # no signal in a thread: no limit, and no error for trying
    def mine(signum, frame):
        raise AssertionError("rang")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        assert check(NotSwitched, Multiply, timeout=5).mistake == "swapped-inputs"
        assert signal.getsignal(signal.SIGALRM) is mine
        assert 90.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_constructor_that_needs_arguments_gets_a_hint():
    assert "`check(MyScale(-1), Scale(-1))`" in check(NeedsAnArgument, Scale(-1)).message


def test_problems_of_the_check_itself_are_errors():
    with pytest.raises(TypeError, match=r"reference Scale needs arguments"):
        check(Scale(-1), Scale)
    with pytest.raises(TypeError, match=r"takes none of the default shapes"):
        check(SoftmaxCrossEntropy, SoftmaxCrossEntropy)
    with pytest.raises(TypeError, match=r"refuses inputs of shapes \(3, 4\) and \(2, 2\)"):
        check(MatMul, MatMul, shapes=[(3, 4), (2, 2)])
    with pytest.raises(TypeError, match=r"shapes must be"):
        check(Add, Add, shapes="(3, 4)")


def test_labels_are_integers_for_as_many_rows_as_the_scores():
    class ChecksLabels(SoftmaxCrossEntropy):
        """Records what it was given."""

        def forward(self, scores, labels):
            assert labels.dtype.kind == "i" and labels.shape == (scores.shape[0],)
            assert labels.min() >= 0 and labels.max() < scores.shape[1]
            return super().forward(scores, labels)

    assert check(ChecksLabels, SoftmaxCrossEntropy, shapes=[[(5, 3), Labels(3)], [(2, 4), Labels(4)]]).ok


# --- the verdict as the learner sees it ----------------------------------------------------------------

def test_the_verdict_shows_as_text_and_as_a_green_or_red_box():
    good, bad = check(Multiply, Multiply), check(NotSwitched, Multiply)
    assert str(good).startswith("✓ Multiply passes\n") and repr(good) == str(good)
    assert str(bad).startswith("✗ NotSwitched: swapped-inputs\n")
    assert '<div data-gategraph-verdict="ok"' in good._repr_html_() and "#1a7f37" in good._repr_html_()
    red = bad._repr_html_()
    assert '<div data-gategraph-verdict="swapped-inputs"' in red and "#cf222e" in red
    assert "<code>z = x * y</code>" in red  # backticked code becomes code


def test_the_html_escapes_what_the_learner_wrote():
    verdict = Verdict(False, "crashed", "Calling `a < b` raised <b>bold</b>", "X<script>")
    page = verdict._repr_html_()
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "<code>a &lt; b</code>" in page and "X&lt;script&gt;" in page


class ArraysOnly(Gate):
    """Works for arrays only: the lecture's scalars are Python floats."""

    def forward(self, x):
        self.x_shape = x.shape
        return 2.0 * x

    def backward(self, dout):
        return (2.0 * dout,)


def test_code_for_arrays_only_is_told_that_scalars_are_floats():
    verdict = check(ArraysOnly, Scale(2))
    assert verdict.mistake == "crashed"
    assert "'float' object has no attribute 'shape'" in verdict.message and "`np.shape(x)`" in verdict.message
    assert "`self.x_shape = x.shape`" in verdict.message  # the learner's own line
