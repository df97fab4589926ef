"""Loss gates: scores ``(N, C)`` and integer labels ``(N,)`` in, the mean loss out.

Labels are data, not variables: their gradient is ``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Gate, Kept, ShapeError, as_real

__all__ = ["SVMLoss", "SoftmaxCrossEntropy"]


def check_scores_and_labels(gate: Gate, scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return ``scores`` and ``labels`` as arrays, or say exactly what is wrong with them."""
    scores, labels = np.asarray(as_real(gate, scores, 0)), np.asarray(labels)
    kind = type(gate).__name__
    if scores.ndim != 2 or scores.shape[1] == 0:
        raise ShapeError(f"input 0 (scores) must be 2-D (N, C) with C >= 1 classes, got shape {scores.shape}",
                         gate=gate)
    if labels.shape != scores.shape[:1]:
        raise ShapeError(f"input 1 (labels) must have shape {scores.shape[:1]} "
                         f"to match scores {scores.shape}, got {labels.shape}", gate=gate)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{kind}: input 1 (labels) must be integers, got dtype {labels.dtype}")
    num_classes = scores.shape[1]
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{kind}: input 1 (labels): label {labels[i]} at index {i} "
                         f"is outside 0..{num_classes - 1} ({num_classes} classes)")
    return scores, labels


class SoftmaxCrossEntropy(Gate):
    """Mean softmax cross-entropy: ``L = -mean_i log softmax(s_i)[y_i]``.

    Rule: ``ds = (softmax(s) - onehot(y)) / N * dout``; labels get ``None``.
    Stable for any scores: each row is shifted by its maximum before ``exp``.
    An empty batch (``N = 0``) has loss ``nan``, as the mean of nothing.

    Shapes: ``scores: (N, C)``, ``labels: (N,)`` integers; ``L`` a scalar;
    ``dscores: (N, C)``.

    Examples
    --------
    >>> loss = SoftmaxCrossEntropy()
    >>> float(loss.forward(np.array([[1000.0, 0.0, -1000.0]]), np.array([0])))
    0.0
    >>> ds, dy = loss.backward(1.0)
    >>> ds, dy
    (array([[0., 0., 0.]]), None)
    """

    symbol = "softmax-CE"
    probs, rows, labels = Kept(), Kept(), Kept()

    def forward(self, scores: Any, labels: Any) -> Any:
        scores, labels = check_scores_and_labels(self, scores, labels)
        shifted = scores - scores.max(axis=1, keepdims=True)          # row max is 0
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, 1), in [0, log C]
        rows = np.arange(len(labels))
        self.probs, self.rows, self.labels = np.exp(shifted - log_norm), rows, labels
        return (log_norm[:, 0] - shifted[rows, labels]).mean()

    def backward(self, dout: Any) -> tuple[Any, None]:
        dscores = self.probs.copy()
        dscores[self.rows, self.labels] -= 1.0
        dscores *= np.divide(dout, max(len(self.labels), 1))   # the mean over the batch
        return dscores, None


class SVMLoss(Gate):
    """Mean multiclass hinge loss with margin 1 (the CS231n SVM).

    ``L = mean_i sum_{j != y_i} max(0, s_ij - s_iy_i + 1)``.
    Rule: each positive margin sends ``+1`` to ``s_ij`` and ``-1`` to ``s_iy_i``,
    times ``dout / N``; labels get ``None``.

    Shapes: ``scores: (N, C)``, ``labels: (N,)`` integers; ``L`` a scalar;
    ``dscores: (N, C)``.

    Examples
    --------
    >>> svm = SVMLoss()
    >>> round(float(svm.forward(np.array([[3.2, 5.1, -1.7]]), np.array([0]))), 6)  # the cat
    2.9
    >>> svm.backward(1.0)[0]
    array([[-1.,  1.,  0.]])
    """

    symbol = "SVM"
    positive, rows, labels, dtype = Kept(), Kept(), Kept(), Kept()

    def forward(self, scores: Any, labels: Any) -> Any:
        scores, labels = check_scores_and_labels(self, scores, labels)
        rows = np.arange(len(labels))
        margins = np.maximum(0.0, scores - scores[rows, labels][:, np.newaxis] + 1.0)
        margins[rows, labels] = 0.0
        self.positive, self.rows, self.labels = margins > 0, rows, labels
        self.dtype = margins.dtype
        return margins.sum(axis=1).mean()

    def backward(self, dout: Any) -> tuple[Any, None]:
        dscores = self.positive.astype(self.dtype)
        dscores[self.rows, self.labels] = -self.positive.sum(axis=1)
        dscores *= np.divide(dout, max(len(self.labels), 1))   # the mean over the batch
        return dscores, None

