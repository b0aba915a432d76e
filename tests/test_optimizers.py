"""Each from-scratch optimiser takes the same steps as torch.optim's on a small real task (8x8 digits),
on the CPU and, where there is one, on a GPU (where torch uses its multi-tensor kernels by default)."""
import copy, functools
import pytest, torch
import torch.nn.functional as F
from torch import nn
from coursecompanion.data import load_digits
from coursecompanion.optimizers import SGD, RMSprop, Adam, AdamW

CASES = [(SGD, torch.optim.SGD, dict(lr=0.1)),
         (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
         (RMSprop, torch.optim.RMSprop, dict(lr=1e-3, alpha=0.9, eps=1e-6, weight_decay=1e-2)),
         (Adam, torch.optim.Adam, dict(lr=3e-3, betas=(0.8, 0.99), weight_decay=1e-2)),
         (AdamW, torch.optim.AdamW, dict(lr=3e-3, betas=(0.5, 0.9), eps=1e-7, weight_decay=0.1))]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])

@pytest.fixture(autouse=True)
def one_thread():
    "Tiny models: one thread is faster, and much faster on a shared machine."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@functools.lru_cache
def _digits(): return load_digits()

def _run(opt_cls, hparams, device, n_steps=50, bs=64):
    x, y = _digits(); x = (x.flatten(1) / 16).to(device); y = y.to(device)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
    opt = opt_cls(model.parameters(), **hparams)
    for i in range(n_steps):
        j = (i * bs) % (len(x) - bs)
        F.cross_entropy(model(x[j:j+bs]), y[j:j+bs]).backward(); opt.step(); opt.zero_grad()
    return torch.cat([p.detach().flatten() for p in model.parameters()]).cpu()

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("ours,theirs,hparams", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_same_steps_as_torch(ours, theirs, hparams, device):
    diff = (_run(ours, hparams, device) - _run(theirs, hparams, device)).abs().max().item()
    assert diff < 1e-6, f"{ours.__name__} {hparams} on {device}: max |diff| {diff:.3g} after 50 steps"

@pytest.mark.parametrize("bad,match", [(lambda p: SGD(p, lr=-1), "lr=-1"), (lambda p: RMSprop(p, alpha=1.0), "alpha=1.0"),
                                       (lambda p: Adam(p, betas=(0.9, 1.5)), r"betas\[1\]=1.5"),
                                       (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov")])
def test_bad_hyperparameters_name_themselves(bad, match):
    with pytest.raises(ValueError, match=match): bad([torch.zeros(2, requires_grad=True)])

def test_state_dict_round_trip():
    p = torch.ones(3, requires_grad=True); opt = Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0, -2.0, 3.0]); opt.step()
    q = p.detach().clone().requires_grad_(); opt2 = Adam([q], lr=0.5)
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    p.grad = q.grad = torch.tensor([0.5, 0.5, 0.5]); opt.step(); opt2.step()
    assert torch.equal(p, q) and opt2.param_groups[0]["lr"] == 0.1

# Bad input: a clear error naming the argument, or the right result; never a silent wrong one.
import matplotlib
matplotlib.use("Agg")
from coursecompanion.optimizers import opt_funcs, optimizer_path, plot_paths, quadratic

def test_optimizer_path_refuses_a_three_coordinate_start():
    with pytest.raises(ValueError, match=r"start must be two finite numbers \(x, y\), got \(1.0, 2.0, 3.0\)"):
        optimizer_path(opt_funcs(0.1)["SGD"], quadratic, (1., 2., 3.), 5)

def test_optimizer_path_refuses_negative_steps():
    with pytest.raises(ValueError, match="steps must be an integer >= 0, got -1"):
        optimizer_path(opt_funcs(0.1)["SGD"], quadratic, (1., 2.), -1)

def test_plot_paths_names_the_surfaces_it_knows():
    with pytest.raises(ValueError, match=r"surface='bowl' is not one of \('quadratic', 'rosenbrock', 'plateau'\)"):
        plot_paths("bowl")

def test_plot_paths_takes_one_optimiser_name_as_a_string():
    finals = plot_paths("quadratic", names="SGD")
    assert list(finals) == ["SGD"]
    matplotlib.pyplot.close("all")

def test_an_infinite_learning_rate_is_refused():
    with pytest.raises(ValueError, match="lr=inf is invalid: it must be a number finite and >= 0"):
        SGD(torch.nn.Linear(2, 1).parameters(), lr=float("inf"))

def test_surfaces_are_read_only_and_print_readably():
    from coursecompanion.optimizers import SURFACES
    with pytest.raises(TypeError): SURFACES["mine"] = SURFACES["quadratic"]
    assert repr(SURFACES["quadratic"]) == "Surface quadratic: start (-4.0, 1.5), lr 0.03, 100 steps"
