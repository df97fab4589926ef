"""The training loop, its progress bar and history, and the `gategraph train` command."""

import io
import re
import sys

import numpy as np
import pytest

import graph.nn.network
from graph.cli import main
from graph.nn import Network
from graph.nn.datasets import load_dataset
from graph.nn.optim import OPTIMIZERS, SGD, Adam, RMSProp
from graph.nn.train import LEARNING_RATES, RECIPES, History, TextProgress, train

LAST_LINE = re.compile(r"^train accuracy: (\d\.\d{3})  validation accuracy: (\d\.\d{3})$")


@pytest.fixture(scope="module")
def spiral_data():
    return load_dataset("spiral")


def short_run(data, seed=0, **kwargs):
    net = Network([2, 50, 3], seed=seed)
    settings = {"epochs": 40, "batch_size": 32, "lr": 0.3, "lr_decay": 0.98, "reg": 1e-4, "progress": False}
    return net, train(net, data, seed=seed, **{**settings, **kwargs})


def test_a_short_seeded_run_on_spiral_reaches_a_fixed_accuracy(spiral_data):
    net, history = short_run(spiral_data)
    assert history.train_accuracy[0] < 0.6 and history.val_accuracy[0] < 0.6   # chance is 1/3
    assert history.train_accuracy[-1] >= 0.96 and history.val_accuracy[-1] >= 0.95
    assert net.accuracy(spiral_data.X_train, spiral_data.y_train) == history.train_accuracy[-1]
    assert np.mean(history.loss[:10]) > 3 * np.mean(history.loss[-10:])


def test_the_same_seed_gives_the_same_run(spiral_data):
    net_a, a = short_run(spiral_data, epochs=5)
    net_b, b = short_run(spiral_data, epochs=5)
    _, c = short_run(spiral_data, epochs=5, seed=1)
    assert a.loss == b.loss and a.val_accuracy == b.val_accuracy
    for name in net_a.parameters:
        np.testing.assert_array_equal(net_a.parameters[name].value, net_b.parameters[name].value)
    assert a.loss != c.loss


def test_a_linear_classifier_gets_about_half_the_spiral(spiral_data):
    net = Network([2, 3], seed=0)
    history = train(net, spiral_data, epochs=30, batch_size=32, lr=0.3, reg=1e-4, progress=False)
    assert 0.4 < history.train_accuracy[-1] < 0.65


def test_the_history(spiral_data):
    _, history = short_run(spiral_data, epochs=4, batch_size=64, lr_decay=0.5)
    assert isinstance(history, History)
    assert history.steps_per_epoch == 5  # 300 points: 4 batches of 64 and one of 44
    assert len(history.loss) == 20 and history.epochs == 4
    assert len(history.train_accuracy) == len(history.val_accuracy) == 5
    assert history.lr == pytest.approx([0.3, 0.15, 0.075, 0.0375])
    np.testing.assert_allclose(history.epoch_loss(), np.mean(np.reshape(history.loss, (4, 5)), axis=1))
    assert history.val_accuracy[history.best_epoch] == max(history.val_accuracy)
    assert not history.stopped_early


def test_the_training_graph_is_built_once(spiral_data, monkeypatch):
    built = []
    original = graph.nn.network.ComputationalGraph

    def counting(output):
        built.append(output)
        return original(output)

    net = Network([2, 5, 3])
    monkeypatch.setattr(graph.nn.network, "ComputationalGraph", counting)
    train(net, spiral_data, epochs=3, batch_size=10, progress=False)
    assert len(built) == 1  # one graph for 90 minibatches


def test_patience_stops_early_and_restores_the_best_parameters(spiral_data):
    net, history = short_run(spiral_data, epochs=300, patience=3)
    assert history.stopped_early
    assert history.epochs == history.best_epoch + 3 < 300
    assert net.accuracy(spiral_data.X_val, spiral_data.y_val) == history.val_accuracy[history.best_epoch]
    same_until_best, _ = short_run(spiral_data, epochs=history.best_epoch)  # the same run, cut short
    for name, p in net.parameters.items():
        np.testing.assert_array_equal(p.value, same_until_best.parameters[name].value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"epochs": 0}, "epochs and batch_size must be >= 1"), ({"batch_size": 0}, "batch_size"),
    ({"patience": 0}, "patience must be >= 1"), ({"lr": -1.0}, "lr must be > 0"),
    ({"loss": "hinge"}, "unknown loss"),
])
def test_bad_settings_are_errors(spiral_data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(Network([2, 3]), spiral_data, progress=False, **kwargs)


def test_a_diverging_run_is_an_error(spiral_data):
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="training diverged: the loss"):
        train(Network([2, 10, 3]), spiral_data, epochs=3, lr=1e300, progress=False)


def test_text_progress_bar_when_tqdm_is_missing(spiral_data, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    out = io.StringIO()
    train(Network([2, 3]), spiral_data, epochs=3, progress=True, progress_file=out)
    text = out.getvalue()
    assert text.startswith("\rtraining 1/3 epochs [") and text.endswith("\n")
    assert "\rtraining 3/3 epochs [" + "#" * 30 + "] loss=" in text
    assert "train=" in text and "val=" in text


def test_tqdm_progress_bar_when_installed(spiral_data):
    pytest.importorskip("tqdm")
    out = io.StringIO()
    train(Network([2, 3]), spiral_data, epochs=3, progress=True, progress_file=out)
    assert "3/3" in out.getvalue() and "epoch" in out.getvalue()


def test_no_progress_bar_when_not_on_a_terminal(spiral_data):
    out = io.StringIO()  # not a TTY
    train(Network([2, 3]), spiral_data, epochs=2, progress_file=out)
    assert out.getvalue() == ""


def test_text_progress_alone():
    out = io.StringIO()
    bar = TextProgress(total=10, file=out, width=10)
    bar.set_postfix(loss="10.000")
    bar.update(3)
    assert out.getvalue() == "\rtraining  3/10 epochs [###.......] loss=10.000"
    bar.set_postfix(loss="0.5")
    bar.update(1)
    assert out.getvalue().endswith("\rtraining  4/10 epochs [####......] loss=0.5   ")  # blanks the rest


# ---------------------------------------------------------------- train(optimizer=...)

@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_each_optimizer_trains_at_its_default_learning_rate(spiral_data, optimizer):
    _, history = short_run(spiral_data, optimizer=optimizer, lr=None)
    assert history.lr[0] == LEARNING_RATES["spiral"][optimizer]
    assert history.train_accuracy[0] < 0.6 and history.train_accuracy[-1] >= 0.9


def test_the_optimizer_is_the_one_named(spiral_data, monkeypatch):
    made = []
    for rule in (SGD, RMSProp, Adam):
        monkeypatch.setattr(rule, "step", lambda self, grads, original=rule.step: (made.append(self),
                                                                                    original(self, grads)))
    for name in OPTIMIZERS:
        made.clear()
        short_run(spiral_data, epochs=1, optimizer=name, lr=0.01)
        kinds = {(type(opt).__name__, getattr(opt, "momentum", None)) for opt in made}
        assert kinds == {{"sgd": ("SGD", 0.0), "momentum": ("SGD", 0.9), "rmsprop": ("RMSProp", None),
                          "adam": ("Adam", None)}[name]}, name


def test_sgd_is_momentum_zero_and_momentum_is_the_default(spiral_data):
    _, plain = short_run(spiral_data, epochs=3, optimizer="sgd", lr=0.3)
    _, no_friction = short_run(spiral_data, epochs=3, optimizer="momentum", momentum=0.0, lr=0.3)
    _, default = short_run(spiral_data, epochs=3, lr=0.3)
    _, momentum = short_run(spiral_data, epochs=3, optimizer="momentum", lr=0.3)
    assert plain.loss == no_friction.loss and default.loss == momentum.loss and plain.loss != momentum.loss


def test_the_default_learning_rate_of_train_is_the_spirals(spiral_data):
    _, history = short_run(spiral_data, epochs=2, lr=None)
    assert history.lr[0] == LEARNING_RATES["spiral"]["momentum"] == RECIPES["spiral"].lr == 0.3
    assert RECIPES["digits"].lr == LEARNING_RATES["digits"]["momentum"]
    assert all(set(rates) == set(OPTIMIZERS) for rates in LEARNING_RATES.values())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"optimizer": "adagrad"},
     "train: unknown optimizer 'adagrad'; the optimizers are sgd, momentum, rmsprop, adam"),
    ({"optimizer": "adam", "momentum": 0.5},
     "momentum=0.5 is a setting of the optimizer 'momentum', not of 'adam'"),
    ({"optimizer": "rmsprop", "lr": 0.0}, "RMSProp: lr must be > 0"),
])
def test_bad_optimizer_settings_are_errors(spiral_data, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        train(Network([2, 3]), spiral_data, progress=False, **kwargs)


# ---------------------------------------------------------------- gategraph train

def run_cli(capsys, *argv):
    assert main(["train", *argv]) == 0
    out = capsys.readouterr().out
    match = LAST_LINE.match(out.splitlines()[-1])
    assert match, out
    return out, float(match[1]), float(match[2])


def test_default_run_on_spiral_reaches_the_target(capsys):
    out, train_acc, val_acc = run_cli(capsys)
    assert train_acc >= 0.98 and val_acc >= 0.97
    assert out.endswith("\n") and out.count("train accuracy:") == 1
    assert "spiral: 300 training" in out and "scores = max(0, X·W1 + b1)·W2 + b2" in out
    assert re.search(r"loss: \d\.\d{3} \(epoch 1\) -> \d\.\d{3} \(epoch 200\)", out)


def test_hidden_zero_trains_the_linear_classifier(capsys):
    out, train_acc, _ = run_cli(capsys, "--hidden", "0", "--epochs", "30")
    assert "scores = X·W1 + b1" in out
    assert train_acc < 0.65


def test_default_run_on_digits_reaches_the_target(capsys):
    pytest.importorskip("sklearn")
    out, _, val_acc = run_cli(capsys, "--dataset", "digits")
    assert val_acc >= 0.97
    assert "digits: 1442 training and 355 validation examples, 64 features, 10 classes" in out


def test_options_and_save(capsys, tmp_path):
    path = tmp_path / "net.npz"
    out, train_acc, val_acc = run_cli(capsys, "--hidden", "20", "--activation", "tanh", "--epochs", "5",
                                      "--lr", "0.1", "--seed", "3", "--save", str(path))
    assert "Network 2 → 20 → 3: scores = tanh(X·W1 + b1)·W2 + b2" in out
    assert "5 epochs" in out and "lr 0.1" in out and "seed 3" in out and f"saved to {path}" in out
    net = Network.load(path)
    data = load_dataset("spiral")
    assert f"{net.accuracy(data.X_train, data.y_train):.3f}" == f"{train_acc:.3f}"
    assert f"{net.accuracy(data.X_val, data.y_val):.3f}" == f"{val_acc:.3f}"


@pytest.mark.parametrize(("optimizer", "header"), [
    ("sgd", "SGD: lr 1 x 0.98 per epoch, momentum 0"),
    ("momentum", "SGD: lr 0.3 x 0.98 per epoch, momentum 0.9"),
    ("rmsprop", "RMSProp: lr 0.01 x 0.98 per epoch, decay rate 0.99"),
    ("adam", "Adam: lr 0.01 x 0.98 per epoch, beta1 0.9, beta2 0.999"),
])
def test_each_optimizer_reaches_0_9_on_the_spiral_with_the_commands_defaults(capsys, optimizer, header):
    out, train_acc, _ = run_cli(capsys, "--optim", optimizer)
    rule, settings = header.split(": ")
    assert out.splitlines()[2] == (f"softmax loss + L2 0.0001; {rule}: 200 epochs of minibatches of 32, "
                                   f"{settings}; seed 0")
    assert train_acc >= 0.9


def test_optim_with_a_learning_rate_of_ones_own(capsys):
    out, _, _ = run_cli(capsys, "--optim", "adam", "--lr", "0.005", "--epochs", "2")
    assert "Adam: 2 epochs of minibatches of 32, lr 0.005 x 0.98 per epoch" in out


def test_the_help_states_each_optimizers_default_learning_rate(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--optim {sgd,momentum,rmsprop,adam}" in text and "(default momentum)" in text
    for dataset, rates in LEARNING_RATES.items():
        assert f"{dataset}: " + ", ".join(f"{name} {lr:g}" for name, lr in rates.items()) in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--optim", "adagrad"], "argument --optim: invalid choice: 'adagrad'"),
    (["--epochs", "-1"], "argument --epochs: must be >= 1, got -1"),
    (["--epochs", "0"], "argument --epochs: must be >= 1"),
    (["--epochs", "x"], "argument --epochs: invalid int value"),
    (["--lr", "0"], "argument --lr: must be a finite number > 0"),
    (["--lr", "-0.5"], "argument --lr: must be"), (["--lr", "nan"], "argument --lr: must be"),
    (["--lr", "inf"], "argument --lr: must be"),
    (["--hidden", "-1"], "argument --hidden: each hidden layer needs >= 1 unit"),
    (["--seed", "-1"], "argument --seed: must be >= 0"),
    (["--dataset", "mnist"], "argument --dataset: invalid choice"),
    (["--activation", "softplus"], "argument --activation: invalid choice"),
    (["--save", "/no/such/dir/net.npz"], "argument --save: no directory '/no/such/dir'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_arguments_exit_2_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph") and message in err
    assert "Traceback" not in err


def test_digits_without_scikit_learn_exits_1_saying_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["train", "--dataset", "digits"]) == 1
    err = capsys.readouterr().err
    assert 'pip install "gategraph[notebooks]"' in err and "Traceback" not in err


def test_a_diverging_run_exits_1(capsys):
    assert main(["train", "--epochs", "2", "--lr", "1e300"]) == 1
    err = capsys.readouterr().err
    assert "training diverged" in err and "smaller learning rate" in err and "Traceback" not in err


def test_a_save_that_fails_after_training_exits_1(capsys, tmp_path, monkeypatch):
    def disk_full(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Network, "save", disk_full)
    assert main(["train", "--epochs", "1", "--save", str(tmp_path / "net.npz")]) == 1
    err = capsys.readouterr().err
    assert "cannot save to" in err and "No space left on device" in err and "Traceback" not in err


def test_python_dash_m_graph_train_prints_no_bar_off_a_terminal(children):
    done = children.run([sys.executable, "-m", "graph", "train", "--epochs", "3"], capture_output=True,
                        text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert LAST_LINE.match(done.stdout.splitlines()[-1])


def test_the_recipes_are_the_ones_documented():
    assert set(RECIPES) == {"spiral", "digits"}
    assert RECIPES["spiral"].hidden == RECIPES["digits"].hidden == 100


def test_training_runs_compiled_by_default_with_the_interpreters_numbers(spiral_data):
    runs = {}
    for compiled in (True, False):
        net = Network([2, 6, 3], seed=3, compiled=compiled)
        history = train(net, spiral_data, epochs=3, batch_size=32, lr=0.3, reg=1e-3, progress=False,
                        compiled=compiled)
        runs[compiled] = (history, net)
    (fast, fast_net), (slow, slow_net) = runs[True], runs[False]
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-10)
    assert fast.val_accuracy == slow.val_accuracy
    for name in fast_net.parameters:
        np.testing.assert_allclose(fast_net.parameters[name].value, slow_net.parameters[name].value,
                                   rtol=1e-10)
    from graph.compile import CompiledGraph

    assert isinstance(fast_net._scores(), CompiledGraph) and not isinstance(slow_net._scores(), CompiledGraph)


def test_gategraph_train_interpreter_prints_the_same_as_compiled(capsys):
    assert main(["train", "--epochs", "3"]) == 0
    compiled = capsys.readouterr().out
    assert main(["train", "--epochs", "3", "--interpreter"]) == 0
    assert capsys.readouterr().out == compiled
