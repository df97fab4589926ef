"""Deep scalar chains: time per gate to build, run and compile, and peak memory.

Run:  python benchmarks/deep_chain.py [N ...]     (default: 200000 1000000)
      python benchmarks/deep_chain.py --compile N ...   (also compile, and run the compiled graph)

The chain cycles x * 0.99, x + 0.01, relu(x), as in the scalar-chain benchmark.
"build" is the nodes (the user's operators) plus ``ComputationalGraph(out)``, with
the garbage collector on as a user has it, and off (CPython's collector walks
every live object as the heap grows: most of the difference). Each size runs in
a fresh subprocess so that peak memory (ru_maxrss) belongs to that size alone.
"""

from __future__ import annotations

import gc
import importlib
import resource
import subprocess
import sys
import time
from typing import Any


def build(n: int) -> object:
    from gates import ReLU  # (loaded before the clock starts: see run_one)
    from graph import ComputationalGraph, Input

    node = Input("x")
    for i in range(n):
        node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else ReLU()(node)
    return ComputationalGraph(node)


def run_one(n: int, gc_on: bool, compiled: bool) -> None:
    for package in ("gates", "graph"):  # loaded first: the imports are not the build's cost
        importlib.import_module(package)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not gc_on:
        gc.disable()
    start = time.perf_counter()
    graph: Any = build(n)
    built = time.perf_counter()
    graph.forward(x=1.0)
    forward = time.perf_counter()
    grads = graph.backward()
    backward = time.perf_counter()
    assert grads["x"] > 0.0
    line = (f"{n:>9}  gc {'on ' if gc_on else 'off'}  build {(built - start) * 1e6 / n:5.2f} us/gate  "
            f"forward {(forward - built) * 1e6 / n:5.2f}  backward {(backward - forward) * 1e6 / n:5.2f}")
    if compiled:
        spent = _time_pythons_compiler()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        compiled_graph = graph.compile()  # (the graph has run: its plan is written now)
        made = time.perf_counter()
        compiling = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # the peak it added, KiB
        compiled_graph.forward(x=1.0)
        assert compiled_graph.backward() == grads
        ran = time.perf_counter()
        line += (f"  compile {(made - start) * 1e6 / n:5.1f} us/gate "
                 f"(Python's compile() {spent[0] * 1e6 / n:4.1f}), "
                 f"peak +{compiling * 1024 / n:5.0f} B/gate  compiled run {(ran - made) * 1e6 / n:5.2f}")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base  # KiB on Linux
    print(f"{line}  peak {peak_kib * 1024 / n:6.0f} B/gate", flush=True)


def _time_pythons_compiler() -> list[float]:
    """Count the seconds spent in the built-in ``compile()`` from now on (the plan's code to bytecode)."""
    import builtins

    spent = [0.0]
    real = builtins.compile

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    builtins.compile = timed
    return spent


def main(sizes: list[int], compiled: bool) -> None:
    print(f"python {sys.version.split()[0]}; one size per subprocess")
    for n in sizes:
        for gc_on in (True, False):
            flags = ["--compile"] if compiled and gc_on else []
            subprocess.run([sys.executable, __file__, "--one", str(n), "on" if gc_on else "off", *flags],
                           check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(int(sys.argv[2]), sys.argv[3] == "on", "--compile" in sys.argv)
    else:
        args = [a for a in sys.argv[1:] if a != "--compile"]
        main([int(a) for a in args] or [10_000, 200_000, 1_000_000], "--compile" in sys.argv)
