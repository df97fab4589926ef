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
drawing and player show it (`graph.compile.plan`). `CompiledGraph`'s example
prints the code written for the lecture's first circuit.
"""

from .plan import CompiledGraph

__all__ = ["CompiledGraph"]
