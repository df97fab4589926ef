"""Training the lecture's network on digits: `train()` compiled against the interpreter.

Run:  python benchmarks/train_time.py       (needs scikit-learn: pip install -e ".[notebooks]")

`gategraph train --dataset digits` uses the same recipe; its wall time is mostly
importing scikit-learn, so this times `train()` alone, alternating the two modes,
and reports the best of three.
"""

from __future__ import annotations

import time

from graph import Network, load_dataset, train
from graph.nn.train import RECIPES


def main() -> None:
    data, recipe = load_dataset("digits"), RECIPES["digits"]
    settings = dict(epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                    lr_decay=recipe.lr_decay, reg=recipe.reg, progress=False)
    best = {True: float("inf"), False: float("inf")}
    for _ in range(3):
        for compiled in (True, False):
            net = Network([data.num_features, recipe.hidden, data.num_classes], seed=0, compiled=compiled)
            start = time.perf_counter()
            history = train(net, data, compiled=compiled, **settings)  # type: ignore[arg-type]
            best[compiled] = min(best[compiled], time.perf_counter() - start)
    print(f"train() on digits, {recipe.epochs} epochs: compiled {best[True]:.3f} s, interpreter "
          f"{best[False]:.3f} s; validation accuracy {history.val_accuracy[-1]:.3f}")


if __name__ == "__main__":
    main()
