"""The lecture's neural networks, built on the engine: `Network`, `SGD`, `train`, and the datasets.

- `graph.nn.network`: fully connected networks of gates, f = W2·max(0, W1·x), and the L2 penalty;
- `graph.nn.optim`: stochastic gradient descent with momentum;
- `graph.nn.train`: the training loop, its history and progress bar;
- `graph.nn.datasets`: the CS231n spiral, made in code, and scikit-learn's digits.
"""

from .datasets import Dataset, load_dataset, spiral
from .network import Network, l2_penalty
from .optim import SGD
from .train import History, train

__all__ = ["SGD", "Dataset", "History", "Network", "l2_penalty", "load_dataset", "spiral", "train"]
