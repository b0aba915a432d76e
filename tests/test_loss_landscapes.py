"The loss-landscape tools work on any model and data (conv, batch norm, DataLoaders) and leave the model bit for bit as it was."
import copy
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from coursecompanion.data import DataLoaders
from coursecompanion.loss_landscapes import (evaluate, random_direction, kept_weights, loss_curve, loss_surface, sharpness,
                                             interpolate, rescale_relu, rank_corr, bootstrap_rank_corr)

pytestmark = pytest.mark.usefixtures("one_thread")  # from conftest.py

def conv_bn_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))

@pytest.fixture
def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(40, 1, 8, 8, generator=g), torch.randint(0, 3, (40,), generator=g)

def snapshot(m): return copy.deepcopy(m.state_dict()), m.training

def assert_unchanged(m, snap):
    state, training = snap
    assert m.training == training
    for k, v in m.state_dict().items(): assert torch.equal(v, state[k]), k

def test_tools_leave_weights_buffers_and_mode_bitwise(data):
    m = conv_bn_net()
    m(data[0])  # training-mode pass: the batch-norm buffers are no longer their initial values
    snap = snapshot(m)
    d1, d2 = random_direction(m, seed=1), random_direction(m, seed=2)
    loss_curve(m, data, d1, np.linspace(-1, 1, 5))
    loss_surface(m, data, d1, d2, np.linspace(-1, 1, 3), np.linspace(-1, 1, 3))
    sharpness(m, data, 0.3, n_dirs=2)
    sharpness(m, data, 0.01, n_dirs=2, norm="none")
    interpolate(m, conv_bn_net(1), data, np.linspace(0, 1, 3))
    assert_unchanged(m, snap)
    m.eval()
    snap = snapshot(m)
    loss_curve(m, data, d1, [0.5])
    assert_unchanged(m, snap)

def test_kept_weights_restores_after_an_error(data):
    m = conv_bn_net()
    snap = snapshot(m)
    with pytest.raises(RuntimeError):
        with kept_weights(m):
            with torch.no_grad(): m[0].weight.add_(1)
            m(torch.randn(2, 5))  # wrong shape
    assert_unchanged(m, snap)

def test_filter_normalisation_per_filter_and_row():
    m = conv_bn_net()
    dirs = random_direction(m, seed=3)
    for p, d in zip(m.parameters(), dirs):
        if p.dim() <= 1: assert torch.count_nonzero(d) == 0  # biases and batch-norm parameters are ignored
        else: torch.testing.assert_close(d.flatten(1).norm(dim=1), p.detach().flatten(1).norm(dim=1))
    keep = random_direction(m, ignore="")
    torch.testing.assert_close(keep[1], m[0].bias.detach())  # Li et al.: a kept 1-D direction is the parameter itself
    raw = random_direction(m, norm="none", ignore="")
    assert not torch.allclose(raw[0].flatten(1).norm(dim=1), m[0].weight.detach().flatten(1).norm(dim=1))
    with pytest.raises(ValueError, match="ignore="): random_direction(m, ignore="bn")

def test_curve_ends_and_interpolation_ends(data):
    a, b = conv_bn_net(0).eval(), conv_bn_net(1).eval()
    b.load_state_dict({**b.state_dict(), **{k: v for k, v in a.state_dict().items() if "running" in k or "num_batches" in k}})
    losses, _ = interpolate(a, b, data, [0.0, 1.0])
    assert losses[0] == pytest.approx(evaluate(a, data)[0], abs=1e-6)
    assert losses[1] == pytest.approx(evaluate(b, data)[0], abs=1e-5)

def test_evaluate_takes_tensors_or_a_dataloader(data):
    x, y = data
    m = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    dls = DataLoaders.from_tensors(x, y, x, y, bs=7, normalize=False)
    loss, acc = evaluate(m, (x, y), bs=16)
    assert evaluate(m, dls.valid) == pytest.approx((loss, acc), abs=1e-6)
    assert np.isnan(evaluate(nn.Linear(3, 1), (torch.randn(5, 3), torch.randn(5, 1)), F.mse_loss)[1])

def test_rescaling_keeps_the_function_and_filter_sharpness():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 5), torch.randint(0, 3, (64,))
    s = rescale_relu(m, 0, 2, 8.)
    torch.testing.assert_close(s(x), m(x))
    assert sharpness(s, (x, y), 0.3, 3) == pytest.approx(sharpness(m, (x, y), 0.3, 3), rel=1e-4)
    assert sharpness(s, (x, y), 0.05, 3, norm="none") != pytest.approx(sharpness(m, (x, y), 0.05, 3, norm="none"), rel=0.5)
    with pytest.raises(ValueError, match="positive"): rescale_relu(m, 0, 2, -1.)
    with pytest.raises(TypeError, match="layer 1"): rescale_relu(m, 1, 2, 2.)

def test_rank_corr_matches_scipy_with_ties():
    spearmanr = pytest.importorskip("scipy.stats").spearmanr
    rng = np.random.default_rng(1)
    for _ in range(50):
        a, b = rng.integers(0, 4, 9), rng.integers(0, 6, 9)
        expected = spearmanr(a, b).statistic
        got = rank_corr(a, b)
        assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)
    rho, lo, hi = bootstrap_rank_corr(np.arange(10), -np.arange(10.), n_boot=200)
    assert (rho, lo, hi) == pytest.approx((-1, -1, -1), abs=1e-12)
    assert bootstrap_rank_corr([1, 3, 2, 5, 4], [2, 1, 4, 3, 5], n_boot=300, seed=4) == bootstrap_rank_corr([1, 3, 2, 5, 4], [2, 1, 4, 3, 5], n_boot=300, seed=4)

# Bad input: a clear error naming the argument, or the right result; never a silent wrong one.
import math as _math
import pytest as _pytest
from torch import nn as _nn
from coursecompanion import loss_landscapes as _ll

def _net():
    torch.manual_seed(0)
    return _nn.Sequential(_nn.Linear(4, 3), _nn.ReLU(), _nn.Linear(3, 2))

_data = (torch.randn(10, 4), torch.randint(0, 2, (10,)))

def test_evaluate_refuses_empty_data():
    with _pytest.raises(ValueError, match="data holds no examples"): _ll.evaluate(_net(), (_data[0][:0], _data[1][:0]))

def test_evaluate_refuses_batch_size_zero():
    with _pytest.raises(ValueError, match="bs must be a positive integer, got 0"): _ll.evaluate(_net(), _data, bs=0)

def test_evaluate_runs_a_model_without_parameters():
    loss, acc = _ll.evaluate(_nn.Flatten(), (torch.randn(6, 2), torch.tensor([0, 1, 0, 1, 0, 1])))
    assert _math.isfinite(loss) and 0 <= acc <= 1

def test_loss_curve_refuses_a_direction_missing_tensors():
    m = _net()
    with _pytest.raises(ValueError, match="direction 0 must hold one tensor per parameter"):
        _ll.loss_curve(m, _data, _ll.random_direction(m)[:2], [0., 1.])

def test_loss_curve_refuses_empty_alphas():
    m = _net()
    with _pytest.raises(ValueError, match="alphas is empty"): _ll.loss_curve(m, _data, _ll.random_direction(m), [])

def test_loss_surface_refuses_a_direction_of_another_model():
    m, other = _net(), _nn.Sequential(_nn.Linear(4, 5), _nn.ReLU(), _nn.Linear(5, 2))
    d = _ll.random_direction(m)
    with _pytest.raises(ValueError, match="direction 1 must hold"):
        _ll.loss_surface(m, _data, d, _ll.random_direction(other), [0.], [0.])

def test_interpolate_refuses_models_of_different_shapes():
    with _pytest.raises(ValueError, match="shaped like it"):
        _ll.interpolate(_net(), _nn.Sequential(_nn.Linear(4, 2)), _data, [0., 1.])

def test_sharpness_refuses_zero_directions():
    with _pytest.raises(ValueError, match="n_dirs must be a positive integer, got 0"): _ll.sharpness(_net(), _data, n_dirs=0)

def test_rescale_relu_refuses_an_infinite_factor():
    with _pytest.raises(ValueError, match="a=inf must be a finite positive number"): _ll.rescale_relu(_net(), 0, 2, _math.inf)

def test_rank_corr_refuses_unpaired_sequences():
    with _pytest.raises(ValueError, match="same length.*got 3 and 2"): _ll.rank_corr([1, 2, 3], [1, 2])

def test_bootstrap_rank_corr_refuses_zero_resamples():
    with _pytest.raises(ValueError, match="n_boot must be a positive integer"): _ll.bootstrap_rank_corr([1, 2, 3], [1, 3, 2], n_boot=0)

from coursecompanion.loss_landscapes import StopWhenFitCB, train_until_fit, batch_size_run, small_mlp

def tiny_split(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)
    return (x[: n // 2], y[: n // 2]), (x[n // 2:], y[n // 2:])

def test_stop_when_fit_refuses_a_percentage_accuracy():
    with pytest.raises(ValueError, match="acc=99 must be a fraction"): StopWhenFitCB(None, acc=99)

def test_stop_when_fit_refuses_zero_steps():
    with pytest.raises(ValueError, match="max_steps=0 must be a positive integer"): StopWhenFitCB(None, max_steps=0)

def test_stop_when_fit_refuses_a_nan_target_loss():
    with pytest.raises(ValueError, match="loss=nan must be a finite number above 0"):
        StopWhenFitCB(None, loss=float("nan"))

def test_train_until_fit_stops_at_the_target_loss():
    trn, val = tiny_split()
    m, steps = train_until_fit(trn, val, bs=8, loss=0.5, max_steps=2000)
    assert evaluate(m, trn)[0] <= 0.5 and 0 < steps < 2000 and steps % 4 == 0  # stops at an epoch's end

def test_train_until_fit_stops_after_max_steps():
    trn, val = tiny_split()
    _, steps = train_until_fit(trn, val, bs=32, loss=1e-9, max_steps=3)
    assert steps == 3

def test_small_mlp_is_seeded():
    a, b = small_mlp(3), small_mlp(3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))

def test_batch_size_run_is_reproducible_and_reports_every_measure():
    trn, val = tiny_split()
    r1, r2 = batch_size_run(trn, val, 16, 1, target_loss=1.0), batch_size_run(trn, val, 16, 1, target_loss=1.0)
    keys = {"steps", "train loss", "valid acc", "gap (acc)", "gap (loss)", "sharpness", "model"}
    assert set(r1) == keys and r1["train loss"] <= 1.0
    assert {k: v for k, v in r1.items() if k != "model"} == {k: v for k, v in r2.items() if k != "model"}

def test_evaluate_refuses_unpaired_inputs_and_targets():
    with pytest.raises(ValueError, match="10 inputs but 5 targets"):
        evaluate(nn.Linear(4, 2), (torch.randn(10, 4), torch.zeros(5, dtype=torch.long)))

def test_evaluate_refuses_nan_inputs():
    with pytest.raises(ValueError, match="inputs hold NaN or inf"):
        evaluate(nn.Linear(4, 2), (torch.full((3, 4), float("nan")), torch.zeros(3, dtype=torch.long)))

def test_random_direction_refuses_a_float_seed():
    with pytest.raises(TypeError, match="seed=1.5 must be an integer"): random_direction(nn.Linear(4, 2), seed=1.5)

def test_loss_curve_refuses_nan_steps(data):
    m = conv_bn_net()
    with pytest.raises(ValueError, match="alphas must be finite"):
        loss_curve(m, data, random_direction(m), [float("nan")])

def test_loss_surface_refuses_an_empty_grid(data):
    m = conv_bn_net()
    d = random_direction(m)
    with pytest.raises(ValueError, match="xs must be a non-empty sequence"): loss_surface(m, data, d, d, [], [0.])

def test_sharpness_refuses_a_percentage_step(data):
    with pytest.raises(ValueError, match="alpha=25 must be a step in \\(0, 1\\]"):
        sharpness(conv_bn_net(), data, alpha=25)

def test_rank_corr_refuses_nan():
    with pytest.raises(ValueError, match="NaN has no rank"): rank_corr([1, 2, float("nan")], [1, 2, 3])

def test_bootstrap_rank_corr_refuses_a_percentage_level():
    with pytest.raises(ValueError, match="level=90 must be in \\(0, 1\\)"):
        bootstrap_rank_corr([1, 2, 3], [1, 3, 2], level=90)

def test_rescale_relu_refuses_layer_indices_out_of_order():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="need layer indices 0 <= i < j < 3, got i=0, j=9"): rescale_relu(net, 0, 9, 2.)

def test_plot_contour_refuses_a_log_of_non_positive_values():
    from coursecompanion.loss_landscapes import plot_contour
    with pytest.raises(ValueError, match="log=True needs z > 0"):
        plot_contour([0, 1], [0, 1], np.array([[-1., 1], [1, 1]]))
