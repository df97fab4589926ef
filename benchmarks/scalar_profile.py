"""Where a scalar chain's time goes: forward, backward, and a backward with no checks at all.

Run:  python benchmarks/scalar_profile.py [N]      (default 30000)

"bare backward" is the floor of the engine's design: the same reverse loop
calling each gate's ``backward`` and adding gradients, without the checks the
contract promises (gradient count, exact shapes, no aliasing). Minimum of 9 runs
each, garbage collector off, interleaved.
"""

from __future__ import annotations

import gc
import sys
import time

from gates import ReLU
from graph import ComputationalGraph, Input


def main(n: int) -> None:
    node = Input("x")
    for i in range(n):
        node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else ReLU()(node)
    graph = ComputationalGraph(node)
    graph.forward(x=1.0)
    steps = [(v, v.gate, v.inputs) for v in reversed(graph.nodes_topologically_sorted())
             if v.gate is not None and v.requires_grad]
    grad_nodes = [v for v in graph.nodes_topologically_sorted() if v.requires_grad]

    def bare_backward() -> None:
        for v in grad_nodes:
            v.grad = None
        graph.output.grad = 1.0
        for v, gate, inputs in steps:
            for x, g in zip(inputs, gate.backward(v.grad), strict=True):
                if x.requires_grad:
                    x.grad = g if x.grad is None else x.grad + g

    runs = {"forward": lambda: graph.forward(x=1.0), "backward": graph.backward,
            "bare backward": bare_backward}
    best = dict.fromkeys(runs, float("inf"))
    gc.disable()
    for _ in range(9):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    gc.enable()
    for name, t in best.items():
        print(f"{name:>14}: {t / n * 1e9:5.0f} ns per op")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000)
