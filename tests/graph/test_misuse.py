"""Misuse of a graph, and gates that misbehave: each gets an error that says what is wrong and where.

Feeds with keys that are not names, an input named ``inputs``, integers too big
for their type; a user's gate that returns lists, strings or complex numbers, or
that fails inside its backward.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import gates
from gates import Gate
from graph import ComputationalGraph, FeedError, Input, ShapeError


def doubling() -> ComputationalGraph:
    return ComputationalGraph(Input("x") * 2.0)


# ---------------------------------------------------------------------------- feeds

@pytest.mark.parametrize("feed", [{1: 2.0}, {"x": 2.0, 1: 2.0}, {("x",): 2.0}, {None: 1.0}])
def test_a_feed_key_that_is_not_a_string_is_a_feed_error_saying_so(feed: dict) -> None:
    with pytest.raises(FeedError, match=r"inputs are fed by name, a string; got the key .* "
                                        r"this graph's inputs are \['x'\]"):
        doubling().forward(feed)


@pytest.mark.parametrize("feed", [3.0, [("x", 3.0)], "x"])
def test_a_feed_that_is_not_a_dict_says_feeds_are_a_dict_or_keywords(feed: Any) -> None:
    with pytest.raises(FeedError, match=r"forward takes the inputs as a dict \{name: value\} or as keywords"):
        doubling().forward(feed)


def test_an_input_named_inputs_can_be_fed_by_keyword() -> None:
    inputs, x = Input("inputs"), Input("x")
    g = ComputationalGraph(inputs * x)
    assert g.forward(inputs=2.0, x=3.0) == 6.0
    assert g.forward({"inputs": 4.0}, x=3.0) == 12.0
    assert g.backward() == {"inputs": 3.0, "x": 4.0}
    with pytest.raises(FeedError, match=r"unknown input\(s\) \['inputs'\]"):
        doubling().forward(inputs=2.0, x=1.0)


def test_an_unknown_input_is_named_quoted_once() -> None:
    with pytest.raises(FeedError, match=r"^unknown input\(s\) \['zz'\]; this graph's inputs are \['x'\]$"):
        ComputationalGraph(Input("x") * 2).forward(x=1, zz=2)


def test_an_integer_beyond_64_bits_is_a_float_where_a_gradient_is_wanted() -> None:
    g = doubling()
    assert g.forward(x=2**70) == 2.0**71
    np.testing.assert_array_equal(g.forward(x=[1, 2**70]), [2.0, 2.0**71])
    assert g.backward(np.ones(2)) == {"x": pytest.approx([2.0, 2.0])}


@pytest.mark.parametrize("big", [2**70, -(2**63) - 1, [1, 2**64]])
def test_an_integer_beyond_64_bits_in_integer_data_is_a_feed_error_saying_so(big: Any) -> None:
    labels = Input("labels", requires_grad=False)
    g = ComputationalGraph(labels * 2.0)
    with pytest.raises(FeedError, match=r"^input 'labels': the integer -?\d+ does not fit in 64 bits"):
        g.forward(labels=big)


def test_an_integer_beyond_float64_is_a_feed_error_saying_so() -> None:
    with pytest.raises(FeedError, match=r"^input 'x': an integer of 1329 bits is beyond float64's range"):
        doubling().forward(x=10**400)


def test_boolean_data_computes_as_zeros_and_ones() -> None:
    mask = Input("mask", requires_grad=False)
    g = ComputationalGraph(gates.Sum()(mask + mask))
    assert g.forward(mask=np.array([True, False, True])) == 4.0  # not a logical or


# ---------------------------------------------------------------------------- users' gates

class Returns(Gate):
    """A one-input gate whose backward returns ``grads`` (and whose forward returns ``out``)."""

    def __init__(self, grads: Any = None, out: Any = None) -> None:
        self.grads, self.out = grads, out

    def forward(self, x: Any) -> Any:
        return x if self.out is None else self.out

    def backward(self, dout: Any) -> Any:
        return self.grads


@pytest.mark.parametrize(("grads", "error", "message"), [
    (([1.0, 2.0],), TypeError, r"backward returned list \[1.0, 2.0\] as the gradient for input 0 \('x'\)"),
    (((1.0, 2.0),), TypeError, r"backward returned tuple"),
    (("1",), TypeError, r"backward returned str '1'"),
    ((object(),), TypeError, r"backward returned object"),
    ((1j,), TypeError, r"backward returned complex"),
    ((np.array([1j, 2j]),), TypeError, r"backward returned a gradient of dtype complex128"),
    ((np.array(["a", "b"]),), TypeError, r"backward returned a gradient of dtype <U1"),
    ([np.ones(2)], None, None),  # a list of one gradient per input is fine
    (np.ones(2), ShapeError, r"must return a tuple of 1 gradient\(s\), one per input, got a ndarray"),
])
def test_a_gradient_that_is_not_a_number_or_array_is_an_error_naming_the_node(grads: Any, error: Any,
                                                                              message: Any) -> None:
    x = Input("x")
    g = ComputationalGraph(gates.Sum()(Returns(grads)(x, name="mine")))
    g.forward(x=np.ones(2))
    if error is None:
        np.testing.assert_array_equal(g.backward()["x"], np.ones(2))
        return
    with pytest.raises(error, match=r"Returns 'mine'.*" + message):
        g.backward()


def test_a_gradient_list_never_reaches_a_fan_out_sum() -> None:
    x = Input("x")
    g = ComputationalGraph(Returns(([1.0],))(x, name="a") + Returns(([2.0],))(x, name="b"))
    g.forward(x=np.ones(1))
    with pytest.raises(TypeError, match="backward returned list"):
        g.backward()  # (before the engine checked them, the two lists were concatenated: [1.0, 2.0])


@pytest.mark.parametrize("out", ["abc", [1.0, 2.0], None, object(), 1j, np.array(["a"])])
def test_a_forward_that_returns_a_non_number_fails_naming_the_gate(out: Any) -> None:
    x = Input("x")
    g = ComputationalGraph(Returns(out=out)(x, name="mine") if out is not None else
                           _ReturnsNone()(x, name="mine"))
    with pytest.raises(TypeError, match=r"^(Returns|_ReturnsNone) 'mine': forward returned"):
        g.forward(x=1.0)


class _ReturnsNone(Gate):
    def forward(self, x: Any) -> Any:
        return None

    def backward(self, dout: Any) -> Any:
        return (dout,)


def test_a_non_number_is_blamed_on_the_gate_that_made_it_not_the_one_that_choked() -> None:
    x = Input("x")
    g = ComputationalGraph(gates.Exp()(Returns(out="abc")(x, name="mine")))
    with pytest.raises(TypeError, match=r"^Returns 'mine': forward returned str"):
        g.forward(x=1.0)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes arrived in Python 3.11")
def test_an_exception_inside_a_backward_carries_a_note_naming_the_node() -> None:
    class Broken(Gate):
        def forward(self, x: Any) -> Any:
            return x

        def backward(self, dout: Any) -> Any:
            return (dout / self.undefined,)  # type: ignore[attr-defined]

    x = Input("x")
    g = ComputationalGraph(Broken()(x, name="broken") * 2.0)
    g.forward(x=1.0)
    with pytest.raises(AttributeError) as info:
        g.backward()
    assert "(in the backward of node 'broken', gate" in "\n".join(info.value.__notes__)
