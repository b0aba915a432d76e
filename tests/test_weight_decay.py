"Decoupled decay equals L2 for plain SGD and not for Adam; parameter groups spare biases and norm layers; inverted dropout."
import copy
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from coursecompanion.optimizers import SGD, Adam, AdamW
from coursecompanion.weight_decay import l2_penalty, SGDW, param_groups, dropout, Dropout

pytestmark = pytest.mark.usefixtures("one_thread")  # from conftest.py

def data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=g, dtype=torch.float64)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()

def net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3)).double()

def train(model, opt, steps, l2=0.0):
    x, y = data()
    for i in range(steps):
        xb, yb = x[i % 4 * 16:(i % 4 + 1) * 16], y[i % 4 * 16:(i % 4 + 1) * 16]
        (F.cross_entropy(model(xb), yb) + (l2_penalty(model.parameters(), l2) if l2 else 0)).backward()
        opt.step()
        opt.zero_grad()
    return torch.cat([p.detach().flatten() for p in model.parameters()])

@pytest.mark.parametrize("wd", [1e-3, 1e-2, 0.1])
def test_l2_equals_decoupled_for_plain_sgd(wd):
    a, b, c = net(), net(), net()
    w_loss = train(a, SGD(a.parameters(), lr=0.1), 200, l2=wd)
    w_opt = train(b, SGD(b.parameters(), lr=0.1, weight_decay=wd), 200)
    w_dec = train(c, SGDW(c.parameters(), lr=0.1, weight_decay=wd), 200)
    assert (w_loss - w_dec).abs().max() < 1e-10 and (w_opt - w_dec).abs().max() < 1e-10

def test_l2_differs_from_decoupled_for_adam_and_momentum():
    a, b = net(), net()
    diff = (train(a, Adam(a.parameters(), lr=1e-2, weight_decay=0.1), 100) - train(b, AdamW(b.parameters(), lr=1e-2, weight_decay=0.1), 100)).abs().max()
    assert diff > 1e-3
    a, b = net(), net()
    diff = (train(a, SGD(a.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1), 100)
            - train(b, SGDW(b.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1), 100)).abs().max()
    assert diff > 1e-6

def test_sgdw_matches_torch_adamw_style_decay_with_zero_gradient():
    lin = nn.Linear(3, 2)
    w = lin.weight.detach().clone()
    opt = SGDW(lin.parameters(), lr=0.5, weight_decay=0.2)
    (lin(torch.randn(4, 3)) * 0).sum().backward()
    opt.step()
    torch.testing.assert_close(lin.weight.detach(), w * 0.9)

def test_param_groups_spare_biases_and_norm_layers():
    m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.LayerNorm(64), nn.Linear(64, 2))
    decay, no_decay = param_groups(m, 0.3)
    assert decay["weight_decay"] == 0.3 and no_decay["weight_decay"] == 0.0
    assert {id(p) for p in decay["params"]} == {id(m[0].weight), id(m[5].weight)}
    assert len(no_decay["params"]) == 6  # conv and linear biases, batch norm and layer norm weights and biases
    before = {k: v.detach().clone() for k, v in m.named_parameters()}
    opt = AdamW([decay, no_decay], lr=0.1)
    (m(torch.randn(2, 1, 6, 6)) * 0).sum().backward()
    opt.step()
    for k, v in m.named_parameters():
        v = v.detach()
        if k in ("0.weight", "5.weight"): torch.testing.assert_close(v, before[k] * (1 - 0.1 * 0.3))
        else: assert torch.equal(v, before[k]), k
    assert len(param_groups(m, 0.3, bias_norm_decay=True)) == 1

def test_param_groups_shared_parameter_once():
    a = nn.Linear(4, 4)
    m = nn.Sequential(a, nn.ReLU(), a)
    groups = param_groups(m, 0.1)
    assert sum(len(g["params"]) for g in groups) == len(list(m.parameters())) == 2
    SGD(groups, lr=0.1)  # torch refuses a parameter in two groups

def test_inverted_dropout_mean_variance_and_eval():
    torch.manual_seed(0)
    p, n = 0.4, 200_000
    x = torch.full((n,), 3.0, dtype=torch.float64)
    out = dropout(x, p)
    assert set(out.unique().tolist()) == {0.0, 3.0 / (1 - p)}
    var, q = 9.0 * p / (1 - p), 1 - p
    se_var = ((81.0 * (p ** 4 / q ** 3 + p) - var ** 2) / n) ** 0.5
    assert abs(out.mean().item() - 3.0) < 5 * (var / n) ** 0.5
    assert abs(out.var().item() - var) < 5 * se_var
    ref = nn.Dropout(p)(x)
    assert abs(ref.var().item() - var) < 5 * se_var  # PyTorch's layer has the same distribution
    layer = Dropout(p)
    assert torch.equal(layer.eval()(x), x) and not torch.equal(layer.train()(x), x)
    assert torch.equal(dropout(x, 0.0), x)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(dropout(x, p, generator=g1), dropout(x, p, generator=g2))
    with pytest.raises(ValueError, match="p=1"): dropout(x, 1)

# bad input: a clear error before anything changes, or the right result
from coursecompanion.weight_decay import dropout, Dropout, SGDW, l2_penalty, param_groups

def test_l2_penalty_of_a_module_is_refused():
    with pytest.raises(TypeError, match="model.parameters"): l2_penalty(nn.Linear(2, 2), 0.1)

def test_l2_penalty_negative_wd_is_refused():
    with pytest.raises(ValueError, match="wd=-0.1"): l2_penalty(nn.Linear(2, 2).parameters(), -0.1)

def test_l2_penalty_of_no_parameters_is_a_zero_tensor():
    out = l2_penalty([], 0.1)
    assert isinstance(out, torch.Tensor) and out.item() == 0

def test_param_groups_of_parameters_instead_of_a_model_is_refused():
    with pytest.raises(TypeError, match="not its parameters"): param_groups(nn.Linear(2, 2).parameters(), 0.1)

def test_param_groups_nan_wd_is_refused():
    with pytest.raises(ValueError, match="wd=nan"): param_groups(nn.Linear(2, 2), float("nan"))

def test_sgdw_shrink_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="lr \\* weight_decay"): SGDW(nn.Linear(2, 2).parameters(), lr=1., weight_decay=1.)

def test_sgdw_step_after_a_schedule_raised_the_lr_is_refused_before_any_change():
    m = nn.Linear(2, 2)
    opt = SGDW(m.parameters(), lr=0.1, weight_decay=1.)
    m(torch.ones(1, 2)).sum().backward()
    before = [p.detach().clone() for p in m.parameters()]
    opt.param_groups[0]["lr"] = 2.
    with pytest.raises(ValueError, match="param group 0"): opt.step()
    assert all(torch.equal(a, b) for a, b in zip(before, m.parameters()))

@pytest.mark.parametrize("fn", [lambda: dropout(torch.ones(3), 50), lambda: Dropout(50)])
def test_dropout_percentage_is_refused_with_a_hint(fn):
    with pytest.raises(ValueError, match="e.g. 0.5"): fn()

from coursecompanion.data import DataLoaders
from coursecompanion.weight_decay import make_net, train_run

def tiny_dls(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)
    return DataLoaders.from_tensors(x[:48], y[:48], x[48:], y[48:], bs=16, normalize=False, seed=seed)

def test_make_net_refuses_a_float_width():
    with pytest.raises(ValueError, match="widths=\\(256.0,\\) must be one or more positive integers"): make_net(256.0)

def test_make_net_refuses_a_percentage_dropout():
    with pytest.raises(ValueError, match="p=50 must be a probability"): make_net(8, p=50)

def test_make_net_is_seeded_and_places_dropout_after_each_hidden_layer():
    a, b = make_net(8, 4, p=0.5, seed=1, drop=Dropout), make_net(8, 4, p=0.5, seed=1, drop=Dropout)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert [type(m).__name__ for m in a] == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]

def test_train_run_refuses_an_unknown_optimiser():
    with pytest.raises(ValueError, match="opt='SGD' must be 'AdamW' or 'Adam'"): train_run(tiny_dls(), opt="SGD")

def test_train_run_refuses_zero_epochs():
    with pytest.raises(ValueError, match="epochs=0 must be a positive integer"): train_run(tiny_dls(), epochs=0)

def test_train_run_refuses_a_negative_decay():
    with pytest.raises(ValueError, match="wd=-0.1 must be a finite number >= 0"): train_run(tiny_dls(), wd=-0.1)

def test_train_run_is_reproducible_and_records_every_epoch():
    h1, h2 = train_run(tiny_dls(), (8,), 0.1, epochs=3, seed=2), train_run(tiny_dls(), (8,), 0.1, epochs=3, seed=2)
    assert h1.shape == (3, 4) and (h1 == h2).all()
    assert ((h1[:, [1, 3]] >= 0) & (h1[:, [1, 3]] <= 1)).all()  # accuracies
