"The LR range test leaves any learner bitwise as it found it, whatever the optimiser and settings."
import copy, math, random
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from torch import nn
from coursecompanion import optimizers
from coursecompanion.core import set_seed
from coursecompanion.data import DataLoader, DataLoaders
from coursecompanion.learner import Learner
from coursecompanion.lr_finder import lr_find, suggest_lrs, debiased_ema, exp_lr, preserved

OPTS = {"sgd": torch.optim.SGD, "sgd_mom": lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
        "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": lambda ps, lr: torch.optim.RMSprop(ps, lr=lr, momentum=0.5),
        # lesson 05's optimisers, written from their update rules
        "scratch_sgd_mom": lambda ps, lr: optimizers.SGD(ps, lr=lr, momentum=0.9), "scratch_adamw": optimizers.AdamW}

def tiny_learner(opt="adam", seed=0, bn=False, init_seed=None):
    "A regression learner on synthetic data (drawn with `seed`), small enough for property tests."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 5, generator=g); y = x @ torch.randn(5, 1, generator=g) + 0.1 * torch.randn(256, 1, generator=g)
    dls = DataLoaders(DataLoader(x[:192], y[:192], bs=32, shuffle=True, seed=seed), DataLoader(x[192:], y[192:], bs=64))
    set_seed(seed if init_seed is None else init_seed)
    layers = [nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1)] if bn else [nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1)]
    return Learner(nn.Sequential(*layers), dls, loss_func=F.mse_loss, lr=1e-2, opt_func=OPTS[opt], device="cpu")

def state(learn):
    "Every tensor and number a fit can change, detached copies."
    opt = copy.deepcopy(learn.opt.state_dict()) if learn.opt is not None else None
    rec = learn.recorder and (list(learn.recorder.losses), list(learn.recorder.lrs),
                              [{k: v for k, v in d.items() if k != "time"} for d in learn.recorder.values])
    return {"model": {k: v.clone() for k, v in learn.model.state_dict().items()},
            "grads": [None if p.grad is None else p.grad.clone() for p in learn.model.parameters()],
            "modes": [m.training for m in learn.model.modules()], "opt": opt,
            "rng": (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy(), learn.dls.train.generator.get_state()),
            "counters": (learn.epoch, learn.n_epochs, learn.train_iter, learn.opt is None), "recorder": rec}

def same(a, b):
    if isinstance(a, torch.Tensor): return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, np.ndarray): return np.array_equal(a, b)
    if isinstance(a, dict): return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

@settings(max_examples=25, deadline=None)
@given(opt=st.sampled_from(sorted(OPTS)), pre_epochs=st.integers(0, 2), num_it=st.integers(5, 40),
       log_start=st.floats(-8, -4), log_end=st.floats(-1, 2), beta=st.floats(0, 0.99), bn=st.booleans())
def test_lr_find_restores_everything(opt, pre_epochs, num_it, log_start, log_end, beta, bn):
    learn = tiny_learner(opt, bn=bn)
    if pre_epochs: learn.fit(pre_epochs)
    before = state(learn)
    try: lr_find(learn, 10**log_start, 10**log_end, num_it, beta)
    except ValueError as e: assert "lower start_lr" in str(e)  # diverged at once: still restored
    assert same(state(learn), before)

@pytest.mark.parametrize("opt", sorted(OPTS))
def test_fit_after_lr_find_is_fit_without_it(opt):
    def run(find):
        learn = tiny_learner(opt, seed=1, bn=True); learn.fit(1)
        if find: lr_find(learn, num_it=20)
        learn.fit(2); return state(learn)
    assert same(run(True), run(False))

def test_preserved_restores_after_an_error():
    learn = tiny_learner(); learn.fit(1); before = state(learn)
    with pytest.raises(KeyboardInterrupt):
        with preserved(learn): learn.fit(1, lr=1.); raise KeyboardInterrupt
    assert same(state(learn), before)

def test_suggestions_on_a_known_curve():
    lrs = np.array([exp_lr(i, 100) for i in range(100)])
    loss = 2.3 - 1.5 / (1 + np.exp(-2 * (np.log10(lrs) + 3))) + np.exp(np.clip(3 * (np.log10(lrs) + 0.5), -50, 50)) * 0.05
    s = suggest_lrs(lrs, loss)
    assert abs(math.log10(s.steep) + 3) < 0.1 and s.valley < s.steep < s.mid < s.minimum and s.default == s.mid
    assert math.isclose(s.mid, math.sqrt(s.steep * s.minimum))
    assert math.isclose(s.min_div10 * 10, s.minimum)
    assert debiased_ema([2., 2., 2.], 0.98) == pytest.approx([2., 2., 2.])

# Bad input: a clear error naming the argument, or the right result; never a silent wrong one.
import math as _math
import numpy as _np
import pytest as _pytest
from coursecompanion.lr_finder import LRFinderCB, debiased_ema, suggest_lrs

def test_debiased_ema_refuses_beta_of_one():
    with _pytest.raises(ValueError, match=r"beta must be in \[0, 1\).*got 1.0"): debiased_ema([1., 2.], 1.0)

def test_debiased_ema_refuses_beta_above_one():
    with _pytest.raises(ValueError, match="beta must be in"): debiased_ema([1., 2., 3.], 1.5)

def test_lr_finder_cb_refuses_beta_of_one():
    with _pytest.raises(ValueError, match="beta must be in"): LRFinderCB(beta=1.0)

def test_lr_finder_cb_refuses_stop_div_below_one():
    with _pytest.raises(ValueError, match="stop_div must be above 1.*0.5"): LRFinderCB(stop_div=0.5)

def test_lr_finder_cb_refuses_a_fractional_num_it():
    with _pytest.raises(ValueError, match="num_it must be an integer.*2.5"): LRFinderCB(num_it=2.5)

def test_suggest_lrs_refuses_unpaired_curves():
    with _pytest.raises(ValueError, match="10 LRs and 9 losses"): suggest_lrs(list(_np.logspace(-5, 0, 10)), [1.] * 9)

def test_suggest_lrs_refuses_nan_losses():
    losses = [1., 0.9, _math.nan, 0.5, 0.4, 0.3, 0.5, 0.9, 2., 4.]
    with _pytest.raises(ValueError, match="finite losses"): suggest_lrs(list(_np.logspace(-5, 0, 10)), losses)

def test_suggest_lrs_refuses_decreasing_lrs():
    with _pytest.raises(ValueError, match="increasing order"):
        suggest_lrs(list(_np.logspace(0, -5, 10)), list(_np.linspace(2, 1, 10)))

def test_lr_find_refuses_a_fully_frozen_model():
    from coursecompanion.lr_finder import lr_find
    learn = tiny_learner()
    for p in learn.model.parameters(): p.requires_grad_(False)
    before = state(learn)
    with _pytest.raises(ValueError, match="every parameter of the model is frozen"): lr_find(learn)
    assert same(state(learn), before)

def test_suggestions_and_results_print_as_values_not_reprs():
    from coursecompanion.lr_finder import SuggestedLRs, LRFindResult
    s = SuggestedLRs(0.0376493, 0.51, 0.0028, 0.0002, 0.051)
    assert repr(s) == "Suggested LRs: mid 0.0376, minimum 0.51, steep 0.0028, valley 0.0002, min_div10 0.051"
    assert "<table" in s._repr_html_() and "mid=" not in repr(s)
    assert list(s) == [s.mid, s.minimum, s.steep, s.valley, s.min_div10] and s == SuggestedLRs(*s)
    r = LRFindResult([1e-7, 1e-3, 10.], [2.3, 1.0, 4.0], [2.3, 1.0, 4.0], s)
    assert repr(r).startswith("LR range test: 3 batches, lr 1e-07 to 10, lowest smoothed loss 1")
