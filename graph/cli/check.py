"""``gategraph check``: every built-in gate, gradient-checked on random float64 inputs.

`CASES` lists each gate with input shapes (broadcasting ones included) and the
domain its inputs are drawn from, away from kinks and poles.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import gates
from gates import Gate

from ..errors import GradcheckError
from ..gradient_check import compare_pair, gradient_pairs, rel_error
from ..views.text import aligned_table

__all__ = ["CASES", "Case", "CheckResult", "add_parser", "check_all", "format_table", "run"]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Case:
    """A gate to check, the shapes of its inputs, and where their values come from.

    ``domain`` is ``"real"`` (standard normal), ``"away"`` (magnitudes in
    [0.5, 2] with random signs: away from 0, for kinks at 0 and poles), or
    ``"positive"`` (in [0.5, 2]). A shape given as ``("labels", C)`` is an integer
    label vector for ``C`` classes, as long as the first input's first axis.
    """

    make: Callable[[], Gate]
    shapes: tuple[Any, ...]
    domain: str = "real"

    def inputs(self, rng: np.random.Generator) -> list[Any]:
        values: list[Any] = []
        for shape in self.shapes:
            if shape and shape[0] == "labels":
                values.append(rng.integers(0, shape[1], size=np.shape(values[0])[0]))
            elif self.domain == "positive":
                values.append(rng.uniform(0.5, 2.0, shape))
            elif self.domain == "away":
                values.append(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))
            else:
                values.append(rng.standard_normal(shape))
        return values


BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1), (1, 3)), ((), (2, 3))]

CASES: list[Case] = [
    *(Case(gates.Add, s) for s in BINARY),
    *(Case(gates.Subtract, s) for s in BINARY),
    *(Case(gates.Multiply, s) for s in BINARY),
    *(Case(gates.Divide, s, "away") for s in BINARY),
    *(Case(gates.Max, s) for s in BINARY),
    Case(gates.Negate, ((3, 4),)),
    Case(lambda: gates.Scale(-1), ((3, 4),)),
    Case(lambda: gates.AddConstant(1), ((3, 4),)),
    Case(gates.Reciprocal, ((3, 4),), "away"),
    Case(lambda: gates.Power(3), ((3, 4),)),
    Case(lambda: gates.Power(0.5), ((3, 4),), "positive"),
    Case(gates.Exp, ((3, 4),)),
    Case(gates.Log, ((3, 4),), "positive"),
    Case(gates.Sigmoid, ((3, 4),)),
    Case(gates.Tanh, ((3, 4),)),
    Case(gates.ReLU, ((3, 4),), "away"),
    Case(gates.LeakyReLU, ((3, 4),), "away"),
    Case(gates.ELU, ((3, 4),), "away"),
    Case(gates.MatMul, ((3, 4), (4, 2))),
    Case(gates.MatMul, ((3, 4), (4,))),
    Case(gates.MatMul, ((4,), (4, 2))),
    Case(gates.MatMul, ((4,), (4,))),
    Case(gates.SquaredNorm, ((3, 4),)),
    Case(gates.Sum, ((3, 4),)),
    Case(lambda: gates.Sum(axis=0), ((3, 4),)),
    Case(gates.Mean, ((3, 4),)),
    Case(lambda: gates.Mean(axis=1), ((3, 4),)),
    Case(gates.SoftmaxCrossEntropy, ((5, 3), ("labels", 3))),
    Case(gates.SVMLoss, ((5, 3), ("labels", 3))),
]


@dataclass(frozen=True)
class CheckResult:
    """One row of the table: the gate, its inputs' shapes, the worst relative error."""

    gate: str
    shapes: str
    max_rel_error: float
    error: str | None  # the GradcheckError's message, or None when the check passed

    @property
    def passed(self) -> bool:
        return self.error is None


def check_all(seed: int = 0, cases: list[Case] = CASES) -> list[CheckResult]:
    """Gradient-check every case with inputs drawn from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    results = []
    for case in cases:
        gate, inputs = case.make(), case.inputs(rng)
        pairs = gradient_pairs(gate, inputs)
        worst = max((rel_error(p.analytic, p.numerical) for p in pairs), default=0.0)
        try:
            for pair in pairs:
                compare_pair(pair, atol=1e-5, rtol=1e-3)
            error = None
        except GradcheckError as exc:
            error = str(exc)
        shapes = ", ".join(str(np.shape(x)) for x in inputs)
        results.append(CheckResult(repr(gate), shapes, worst, error))
    return results


def format_table(results: list[CheckResult]) -> str:
    """The results as an aligned text table."""
    rows = [(r.gate, r.shapes, f"{r.max_rel_error:.1e}", "ok" if r.passed else "FAIL") for r in results]
    return aligned_table(("gate", "input shapes", "max rel error", "result"), rows)


def add_parser(commands: Any) -> None:
    """Add the ``check`` command to the ``gategraph`` parser's subcommands."""
    check = commands.add_parser("check", help="gradient-check every built-in gate")
    check.add_argument("--seed", type=int, default=0, metavar="N",
                       help="seed of the random inputs, >= 0 (default 0)")
    check.set_defaults(run=run, parser=check)


def run(args: argparse.Namespace) -> int:
    """Check every gate and print the table; returns 1 if any check failed."""
    if args.seed < 0:
        args.parser.error(f"argument --seed: must be >= 0, got {args.seed}")
    results = check_all(seed=args.seed)
    print(format_table(results))
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"\n{r.error}")
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0
