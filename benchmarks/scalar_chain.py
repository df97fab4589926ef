"""Scalar chain: forward + backward of N scalar ops, gategraph against micrograd and PyTorch.

Run:  python benchmarks/scalar_chain.py [N ...]      (default: 1000 10000 100000)

The chain cycles x * 0.99, x + 0.01, relu(x). gategraph builds its graph once
and runs it, through the interpreter (the lecture's two loops) and compiled
(`ComputationalGraph.compile()`, recording its run on the graph's tape, and with
``record=False``); micrograd 0.1.0 has no static graph, so each of its steps
rebuilds the expression (measured with the garbage collector on and off); PyTorch
uses 0-d tensors with autograd. "by hand" is CPython's floor: the same chain
written out as two straight-line Python functions, forward keeping every
intermediate value for backward. Contenders run interleaved, each call after a
collection (see `_timing.interleaved`); medians are reported. A second table runs
the straight-line contenders (compiled, and by hand) back to back with no
collection between calls: best of the rounds. Peers that are not installed are
skipped with a message.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from _timing import back_to_back, interleaved, table


def gategraph_step(n: int, compiled: bool = False, record: bool = True) -> Callable[[], object]:
    from gates import ReLU
    from graph import ComputationalGraph, Input

    node = Input("x")
    for i in range(n):
        node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else ReLU()(node)
    graph = ComputationalGraph(node)
    run = graph.compile(record=record) if compiled else graph

    def step() -> object:
        run.forward(x=1.0)
        return run.backward()

    return step


def by_hand_step(n: int) -> Callable[[], object]:
    """The chain as two straight-line functions written out by hand: CPython's floor for this work."""
    forward = ["def forward(a0):"]
    backward = ["def backward(d, kept):", "    " + ", ".join(f"a{i}" for i in range(n + 1)) + ", = kept",
                f"    d{n} = d"]
    for i in range(n):
        op = f"a{i} * 0.99" if i % 3 == 0 else f"a{i} + 0.01" if i % 3 == 1 else f"a{i} if a{i} > 0 else 0.0"
        forward.append(f"    a{i + 1} = {op}")
    for i in reversed(range(n)):
        grad = f"0.99 * d{i + 1}" if i % 3 == 0 else f"d{i + 1}" if i % 3 == 1 else \
            f"d{i + 1} if a{i} > 0 else 0.0"
        backward.append(f"    d{i} = {grad}")
    forward.append(f"    return a{n}, (" + ", ".join(f"a{i}" for i in range(n + 1)) + ",)")
    backward.append("    return d0")
    namespace: dict[str, object] = {}
    exec("\n".join(forward + backward) + "\n", namespace)  # (a benchmark's own contender)
    fwd, bwd = namespace["forward"], namespace["backward"]

    def step() -> object:
        _, kept = fwd(1.0)  # type: ignore[operator]
        return bwd(1.0, kept)  # type: ignore[operator]

    return step


def micrograd_step(n: int, gc_on: bool) -> Callable[[], object] | None:
    try:
        from micrograd.engine import Value
    except ImportError:
        return None
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * n + 1000))  # its topological sort recurses

    def step() -> object:
        enabled = gc.isenabled()
        if not gc_on:
            gc.disable()
        try:
            x = node = Value(1.0)
            for i in range(n):
                node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else node.relu()
            node.backward()
            return x.grad
        finally:
            if enabled:
                gc.enable()

    return step


def torch_step(n: int) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def step() -> object:
        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        node = x
        for i in range(n):
            node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else torch.relu(node)
        node.backward()
        return x.grad

    return step


def main(sizes: list[int]) -> None:
    rows = [["N", "contender", "median ms", "ns / op", "gategraph ÷ it", "compiled ÷ it"]]
    warm = [["N", "contender", "ns / op", "÷ by hand"]]
    for n in sizes:
        contenders = {"gategraph": gategraph_step(n), "gategraph compiled": gategraph_step(n, compiled=True),
                      "compiled record=False": gategraph_step(n, compiled=True, record=False),
                      "by hand": by_hand_step(n)}
        peers = {"micrograd (gc on)": micrograd_step(n, gc_on=True),
                 "micrograd (gc off)": micrograd_step(n, gc_on=False),
                 "pytorch 0-d": torch_step(n)}
        for name, step in peers.items():
            if step is None:
                print(f"skipping {name}: not installed (pip install micrograd==0.1.0 torch)")
            else:
                contenders[name] = step
        rounds = max(5, 200_000 // n)
        medians = interleaved(contenders, rounds=min(rounds, 50))
        ours, compiled = medians["gategraph"], medians["gategraph compiled"]
        for name, t in medians.items():
            rows.append([str(n), name, f"{t * 1e3:.2f}", f"{t / n * 1e9:.0f}", f"{ours / t:.2f}",
                         f"{compiled / t:.3f}"])
        straight = ("gategraph compiled", "compiled record=False", "by hand")
        best = back_to_back({name: contenders[name] for name in straight}, rounds=min(rounds, 50))
        warm.extend([str(n), name, f"{t / n * 1e9:.0f}", f"{t / best['by hand']:.2f}"]
                    for name, t in best.items())
    print(table(rows))
    print("\nThe straight-line contenders back to back (best of the rounds, no collection between calls):")
    print(table(warm))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
