"""PyTorch autograd (float64) as an oracle that no one here wrote: forward, gradients, SGD step.

Skipped, with the reason, when torch (the ``[oracle]`` extra) is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from networks import LOSS_OUTPUTS, Case, build, cases

from generator import core

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e '.[oracle]')")
F = torch.nn.functional

RELATIVE = 1e-12  # of the largest entry of the torch array


def torch_activation(name: str, z):
    return {
        "identity": lambda v: v,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda v: F.leaky_relu(v, core.LEAKY_SLOPE),
        "softmax": lambda v: torch.softmax(v, dim=1),
    }[name](z)


def torch_loss(name: str, output: str, z, a, y):
    """Per-example losses in torch's own terms; from the logits where the core fuses them."""
    if name == "sse":
        return ((a - y) ** 2).sum(dim=1)
    if name == "mse":
        return F.mse_loss(a, y, reduction="none").mean(dim=1)
    if name == "bce":
        if output == "sigmoid":
            return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1)
        return F.binary_cross_entropy(a, y, reduction="none").sum(dim=1)
    if name == "softmax_ce":
        if output == "softmax":
            return F.cross_entropy(z, y, reduction="none")  # y as class probabilities
        return -(y * torch.clamp(torch.log(a), min=core.LOG_FLOOR)).sum(dim=1)
    raise KeyError(name)


def torch_run(case: Case) -> dict:
    """Forward, loss, every gradient and one SGD step of ``case`` with torch autograd."""
    params = []
    for layer in case.layers:
        W = torch.tensor(layer.W, requires_grad=True)
        b = torch.tensor(layer.b, requires_grad=True)
        params.append((W, b))
    a = torch.tensor(case.X)
    Zs, As = [], []
    for (W, b), layer in zip(params, case.layers, strict=True):
        z = a @ W.T + b
        a = torch_activation(layer.activation, z)
        z.retain_grad()
        a.retain_grad()
        Zs.append(z)
        As.append(a)
    per_example = torch_loss(case.loss, case.layers[-1].activation, Zs[-1], As[-1], torch.tensor(case.Y))
    J = per_example.sum() if case.reduction == "sum" else per_example.mean()
    J.backward()
    optimizer = torch.optim.SGD([p for pair in params for p in pair], lr=case.learning_rate)
    # A fused loss reads the logits, so the output activation may have no gradient at all.
    grads = [
        (
            z.grad.numpy().copy(),
            None if a.grad is None else a.grad.numpy().copy(),
            W.grad.numpy().copy(),
            b.grad.numpy().copy(),
        )
        for z, a, (W, b) in zip(Zs, As, params, strict=True)
    ]
    optimizer.step()
    return {
        "J": J.item(),
        "Z": [z.detach().numpy() for z in Zs],
        "A": [a.detach().numpy() for a in As],
        "grads": grads,
        "stepped": [(W.detach().numpy(), b.detach().numpy()) for W, b in params],
    }


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    scale = float(np.max(np.abs(theirs), initial=0.0))
    difference = float(np.max(np.abs(np.asarray(ours) - theirs), initial=0.0))
    assert np.all(np.isfinite(ours)), f"{what}: not finite"
    assert difference <= RELATIVE * scale + 1e-300, f"{what}: differs by {difference:.3e} (scale {scale:.3e})"


def assert_agrees(case: Case) -> None:
    """Every forward value, gradient and updated parameter of the core matches torch."""
    records = core.forward(case.layers, case.X)
    J = core.loss_value(case.layers, records, case.Y, case.loss, case.reduction)
    grads = core.backward(case.layers, records, case.X, case.Y, case.loss, case.reduction)
    stepped = core.sgd_step(case.layers, grads, case.learning_rate)
    theirs = torch_run(case)
    assert_close(np.array(J), np.array(theirs["J"]), "loss")
    for n, (record, g, new) in enumerate(zip(records, grads, stepped, strict=True), start=1):
        dZ, dA, dW, db = theirs["grads"][n - 1]
        assert_close(record.Z, theirs["Z"][n - 1], f"Z of layer {n}")
        assert_close(record.A, theirs["A"][n - 1], f"A of layer {n}")
        assert_close(g.dZ, dZ, f"dZ of layer {n}")
        assert_close(g.dW, dW, f"dW of layer {n}")
        assert_close(g.db, db, f"db of layer {n}")
        if dA is not None:  # the output's dJ/dA, where the loss is fused, is not in torch's graph
            assert_close(g.dA, dA, f"dA of layer {n}")
        assert_close(new.W, theirs["stepped"][n - 1][0], f"W after the step, layer {n}")
        assert_close(new.b, theirs["stepped"][n - 1][1], f"b after the step, layer {n}")


@pytest.mark.parametrize("hidden", sorted(core.ACTIVATIONS))
@pytest.mark.parametrize(("loss", "output"), LOSS_OUTPUTS)
def test_every_activation_and_loss_agrees_with_torch(hidden: str, loss: str, output: str) -> None:
    """Each hidden activation with each loss and output, fused or not, matches torch to 1e-12."""
    for reduction in core.REDUCTIONS:
        assert_agrees(
            build(sum(map(ord, hidden + loss + output)), [3, 5, 4, 3], [hidden, hidden], loss, output, 6, reduction)
        )


@given(cases())
def test_random_networks_agree_with_torch(case: Case) -> None:
    """Depths 1-5, widths 1-64, batches 1-128, any activations and losses: the core matches torch."""
    assert_agrees(case)


@pytest.mark.parametrize(
    ("loss", "output"), [("bce", "sigmoid"), ("softmax_ce", "softmax"), ("sse", "sigmoid"), ("mse", "softmax")]
)
def test_logits_of_magnitude_1e3_stay_finite_and_agree(loss: str, output: str) -> None:
    """Weights scaled so that the output logits reach about 1e3: finite loss and gradients, as torch."""
    case = build(11, [4, 6, 3], ["tanh"], loss, output, 8, "mean", scale=800.0)
    logits = core.forward(case.layers, case.X)[-1].Z
    assert np.max(np.abs(logits)) > 500
    assert_agrees(case)


def test_bce_of_probabilities_exactly_zero_and_one_is_finite_and_stated() -> None:
    """Unfused BCE at a = 0 or 1: each log floored at LOG_FLOOR, as torch's binary_cross_entropy."""
    a = np.array([[0.0, 1.0, 1.0, 0.0]])
    y = np.array([[1.0, 0.0, 1.0, 0.0]])
    ours = core.LOSSES["bce"].per_example(a, y)
    assert ours.tolist() == [-2 * core.LOG_FLOOR]  # two terms at the floor, two exact zeros
    theirs = F.binary_cross_entropy(torch.tensor(a), torch.tensor(y), reduction="none").sum(dim=1)
    assert ours.tolist() == theirs.tolist()
    gradient = core.LOSSES["bce"].gradient(a, y)
    assert np.all(np.isfinite(gradient))
    assert gradient.tolist() == [[-1 / core.GRADIENT_FLOOR, 1 / core.GRADIENT_FLOOR, 0.0, 0.0]]
