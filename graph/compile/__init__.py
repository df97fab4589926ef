"""Backprop written out as code: ``ComputationalGraph.compile()``, from each gate's own rule.

The course notes teach backprop twice: as a graph of gates, and as code, the
"staged computation" of small named assignments whose gradients are written in
reverse. `CompiledGraph` generates the second from the first, and from nothing
else: each gate's ``forward`` and ``backward`` are read as syntax trees and
inlined (`graph.compile.rules`), specialised to the kinds of the values that
flow through them (`graph.compile.kinds`, `graph.compile.passes`), and written
out with one allocator for every name (`graph.compile.names`,
`graph.compile.emit`). A learner's gate, or a subclass of a built-in one,
compiles to its own rule. A compiled run is a run of the graph: its tape, trace,
drawing and player show it (`graph.compile.plan`).

    def forward(x, y, z):
        q = x + y                                   # q = x + y
        f = q * z                                   # f = q * z
        return (f, (z, q, f))

    def backward(df, saved):
        z, q, f = saved
        # f = q * z
        dq = z * df
        dz = q * df
        # q = x + y
        dx = dq
        dy = dq
        return ((dx, dy, dz), (dx, dy, dz, dq, df))
"""

from .plan import CompiledGraph

__all__ = ["CompiledGraph"]
