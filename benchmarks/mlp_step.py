"""MLP training step: affine - ReLU - affine - softmax cross-entropy + SGD.

Run:  python benchmarks/mlp_step.py

gategraph (graph built once, run per step, each parameter moved in place, ``p.value -= lr * g``;
by default it copies the fed batch, with ``Input(..., copy=False)`` it does not): the interpreter, the
compiled plan (recording its run on the graph's tape), and a plan compiled with ``record=False``,
against a hand-written numpy step in the CS231n style (no gradient for the data batch) and PyTorch CPU
eager, in float32 and float64, at N x D x H x C = 256x3072x100x10 and 512x1024x1024x10.
Each is also put against its matrix-multiply floor: the step's five GEMMs alone.
One BLAS thread (see _timing.py); contenders run interleaved; medians reported.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread, set before numpy loads

import sys
from collections.abc import Callable

import numpy as np
from _timing import interleaved, table

LR = 1e-3


def problem(n: int, d: int, h: int, c: int, dtype: type) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"X": rng.standard_normal((n, d)).astype(dtype), "y": rng.integers(0, c, n),
            "W1": (rng.standard_normal((d, h)) * np.sqrt(2 / d)).astype(dtype), "b1": np.zeros(h, dtype),
            "W2": (rng.standard_normal((h, c)) * np.sqrt(2 / h)).astype(dtype), "b2": np.zeros(c, dtype)}


def gategraph_step(p: dict[str, np.ndarray], copy: bool = True, compiled: bool = False,
                   record: bool = True) -> Callable[[], object]:
    from gates import ReLU, SoftmaxCrossEntropy
    from graph import ComputationalGraph, Input, Parameter

    X = Input("X", shape=(None, p["X"].shape[1]), requires_grad=False, copy=copy)
    y = Input("y", requires_grad=False)
    W1, b1, W2, b2 = (Parameter(k, p[k]) for k in ("W1", "b1", "W2", "b2"))
    scores = ReLU()(X @ W1 + b1) @ W2 + b2
    graph = ComputationalGraph(SoftmaxCrossEntropy()(scores, y))
    params = graph.parameters
    data, labels = p["X"], p["y"]
    run = graph.compile(record=record) if compiled else graph

    def step() -> object:
        loss = run.forward(X=data, y=labels)
        for name, grad in run.backward().items():
            params[name].value -= LR * grad
        return loss

    return step


def numpy_step(p: dict[str, np.ndarray]) -> Callable[[], object]:
    X, y = p["X"], p["y"]
    W1, b1, W2, b2 = (p[k].copy() for k in ("W1", "b1", "W2", "b2"))
    rows = np.arange(len(y))

    def step() -> object:
        hidden = np.maximum(X @ W1 + b1, 0)
        scores = hidden @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = (log_norm[:, 0] - shifted[rows, y]).mean()
        dscores = np.exp(shifted - log_norm)
        dscores[rows, y] -= 1
        dscores /= len(y)
        dW2, db2 = hidden.T @ dscores, dscores.sum(axis=0)
        dhidden = dscores @ W2.T
        dhidden[hidden <= 0] = 0
        dW1, db1 = X.T @ dhidden, dhidden.sum(axis=0)
        for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            param -= LR * grad
        return loss

    return step


def gemm_floor(p: dict[str, np.ndarray]) -> Callable[[], object]:
    X, W1, W2 = p["X"], p["W1"], p["W2"]
    hidden = X @ W1
    dscores = hidden @ W2

    def step() -> object:
        X @ W1
        hidden @ W2
        hidden.T @ dscores
        dhidden = dscores @ W2.T
        return X.T @ dhidden

    return step


def torch_step(p: dict[str, np.ndarray]) -> Callable[[], object] | None:
    try:
        import torch
        import torch.nn.functional as F  # noqa: N812
    except ImportError:
        return None
    torch.set_num_threads(1)
    X, y = torch.from_numpy(p["X"]), torch.from_numpy(p["y"])
    params = [torch.tensor(p[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2")]
    W1, b1, W2, b2 = params

    def step() -> object:
        loss = F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y)
        loss.backward()
        with torch.no_grad():
            for param in params:
                param -= LR * param.grad
                param.grad = None
        return loss

    return step


SIZES = [(256, 3072, 100, 10), (512, 1024, 1024, 10)]
DTYPES = (np.float32, np.float64)


def main() -> None:
    rows = [["N x D x H x C", "dtype", "contender", "median ms", "gategraph ÷ it", "compiled ÷ it",
             "it ÷ GEMMs alone"]]
    for dims in SIZES:
        for dtype in DTYPES:
            p = problem(*dims, dtype)
            contenders = {"gategraph": gategraph_step(p),
                          "gategraph compiled": gategraph_step(p, compiled=True),
                          "compiled record=False": gategraph_step(p, compiled=True, record=False),
                          "gategraph copy=False": gategraph_step(p, copy=False),
                          "numpy by hand": numpy_step(p)}
            torch = torch_step(p)
            if torch is None:
                print("skipping pytorch: not installed")
            else:
                contenders["pytorch eager"] = torch
            contenders["GEMMs alone"] = gemm_floor(p)
            medians = interleaved(contenders, rounds=30, warmup=2)
            ours, compiled = medians["gategraph"], medians["gategraph compiled"]
            floor = medians["GEMMs alone"]
            for name, t in medians.items():
                rows.append(["x".join(map(str, dims)), np.dtype(dtype).name, name, f"{t * 1e3:.2f}",
                             f"{ours / t:.3f}", f"{compiled / t:.3f}", f"{t / floor:.2f}"])
    print(table(rows))


if __name__ == "__main__":
    if sys.argv[1:] == ["--budget"]:  # just the size and dtype the budgets name
        SIZES, DTYPES = [(512, 1024, 1024, 10)], (np.float32,)
    elif sys.argv[1:]:
        sys.exit("usage: python benchmarks/mlp_step.py [--budget]")
    main()
