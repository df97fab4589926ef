"""The graph's errors. Shape errors are the gates' own `gates.ShapeError`."""

from __future__ import annotations

from gates import ForwardFirstError, ShapeError

__all__ = ["FeedError", "ForwardFirstError", "GradcheckError", "GraphError", "ShapeError"]


class GraphError(ValueError):
    """A malformed graph: duplicate leaf names, a gate reused, a wrong number of inputs."""


class FeedError(ValueError):
    """A bad feed to `ComputationalGraph.forward`: missing, unknown or wrongly shaped."""


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (see `graph.gradcheck`)."""
