"""The lecture's neural networks, built on the engine: `Network`, the optimizers, `train`, the datasets.

- `graph.nn.network`: fully connected networks of gates, f = W2·max(0, W1·x), and the L2 penalty;
- `graph.nn.optim`: the course's update rules: `SGD` (with momentum), `RMSProp`, `Adam`;
- `graph.nn.train`: the training loop, its history and progress bar;
- `graph.nn.datasets`: the CS231n spiral, made in code, and scikit-learn's digits.
"""

from .datasets import Dataset, load_dataset, spiral
from .network import Network, l2_penalty
from .optim import SGD, Adam, RMSProp
from .train import History, train

__all__ = ["SGD", "Adam", "Dataset", "History", "Network", "RMSProp", "l2_penalty", "load_dataset", "spiral",
           "train"]
