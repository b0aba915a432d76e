"fit_one_cycle resumes mid-cycle from any epoch's checkpoint, and the package's helpers run outside the notebook."
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings, strategies as st
from coursecompanion.learner import Callback, CancelFitException, CheckpointCB
from coursecompanion.one_cycle import fit_one_cycle, one_cycle_schedule, perturbed_loss_increase, set_hyper
from test_lr_finder import tiny_learner, same, state

class StopAfter(Callback):
    order = 80
    def __init__(self, epoch): self.epoch = epoch
    def after_epoch(self, learn):
        if learn.epoch == self.epoch: raise CancelFitException()

@settings(max_examples=10, deadline=None)
@given(n_epochs=st.integers(2, 4), data=st.data(), opt=st.sampled_from(["adam", "sgd_mom", "rmsprop", "scratch_adamw", "scratch_sgd_mom"]))
def test_resume_mid_cycle_is_bitwise_uninterrupted(tmp_path_factory, n_epochs, data, opt):
    stop = data.draw(st.integers(0, n_epochs - 2))
    tmp = tmp_path_factory.mktemp("ck")
    full = fit_one_cycle(tiny_learner(opt), n_epochs, 1e-2)
    fit_one_cycle(tiny_learner(opt), n_epochs, 1e-2, cbs=[CheckpointCB(tmp/"e{epoch}.pt"), StopAfter(stop)])
    resumed = fit_one_cycle(tiny_learner(opt, init_seed=7), n_epochs, 1e-2, resume_from=tmp/f"e{stop}.pt")
    a, b = state(full), state(resumed)
    assert same(a["model"], b["model"]) and same(a["opt"], b["opt"])
    assert resumed.recorder.lrs == full.recorder.lrs[-len(resumed.recorder.lrs):]

def test_fit_one_cycle_sets_the_schedule():
    learn = tiny_learner("sgd_mom"); learn.fit_one_cycle(2, 0.05, moms=(0.9, 0.8, 0.9))
    lrs, moms = one_cycle_schedule(2 * len(learn.dls.train), 0.05, moms=(0.9, 0.8, 0.9))
    assert learn.recorder.lrs == pytest.approx(lrs, rel=1e-12, abs=0)  # relative: the last LRs are ~1e-7
    assert learn.recorder.lrs[0] == pytest.approx(0.05 / 25, rel=1e-12) and learn.recorder.lrs[-1] == pytest.approx(0.05 / 1e5, rel=1e-12)
    assert learn.opt.param_groups[0]["momentum"] == pytest.approx(moms[-1])

def test_set_hyper_names_the_problem():
    with pytest.raises(KeyError, match="moms=None"): set_hyper(torch.optim.Adagrad(torch.nn.Linear(2, 1).parameters()), "mom", 0.9)
    learn = tiny_learner("adam"); learn.opt_func = torch.optim.Adagrad
    learn.fit_one_cycle(1, 1e-2, moms=None)  # Adagrad has no momentum: the LR alone is scheduled

def test_perturbed_loss_increase_leaves_the_model():
    learn = tiny_learner(); learn.fit(1)
    before = {k: v.clone() for k, v in learn.model.state_dict().items()}
    x, y = learn.dls.train.x, learn.dls.train.y
    small, big = (perturbed_loss_increase(learn.model, F.mse_loss, x, y, a, n_dirs=5) for a in (0.01, 0.5))
    assert 0 < big and small < big
    assert same(before, dict(learn.model.state_dict()))

def torch_one_cycle(n, lr_max, div, div_final, pct_start, moms):
    "torch.optim.lr_scheduler.OneCycleLR's LRs and momentums over `n` steps, with our parameters translated."
    opt = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=lr_max, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr_max, total_steps=n, pct_start=pct_start, div_factor=div,
                                                final_div_factor=div_final / div, base_momentum=moms[1], max_momentum=moms[0])
    lrs, mom = [], []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"]); mom.append(opt.param_groups[0]["momentum"]); opt.step(); sched.step()
    return lrs, mom

@settings(max_examples=30, deadline=None)
@given(n=st.integers(10, 400), lr_max=st.floats(1e-4, 1.), div=st.floats(5, 100), div_final=st.floats(1e2, 1e6),
       pct_start=st.floats(0.1, 0.9))
def test_schedule_matches_torch_one_cycle_lr(n, lr_max, div, div_final, pct_start):
    """Same start, same end (relative 1e-9), and between: torch ends the warm-up at step `pct_start*n - 1`, we at
    position `pct_start` of `n - 1` steps, less than one step apart, so each of our values lies within the range of
    torch's at the neighbouring steps."""
    assume(pct_start * n >= 2 and (1 - pct_start) * n >= 2)  # torch needs two steps in each phase
    moms, peak = (0.95, 0.85, 0.95), pct_start * n - 1  # torch's step at the peak LR (and lowest momentum)
    ours = one_cycle_schedule(n, lr_max, div, div_final, pct_start, moms)
    theirs = torch_one_cycle(n, lr_max, div, div_final, pct_start, moms)
    for a, b, extreme in zip(ours, theirs, (lr_max, moms[1])):
        assert a[0] == pytest.approx(b[0], rel=1e-9) and a[-1] == pytest.approx(b[-1], rel=1e-9)
        for i in range(n):
            near = b[max(i - 1, 0):i + 2] + ([extreme] if i - 1 <= peak <= i + 1 else [])
            assert min(near) * (1 - 1e-9) <= a[i] <= max(near) * (1 + 1e-9), (i, a[i], near)

# Bad input: a clear error naming the argument, or the right result; never a silent wrong one.
import math
from torch import nn
from coursecompanion.one_cycle import OneCycleCB, one_cycle_lr, one_cycle_mom

def test_one_cycle_lr_refuses_a_position_outside_the_cycle():
    with pytest.raises(ValueError, match=r"pos must lie in \[0, 1\].*1.5"): one_cycle_lr(1.5, 1e-2)
    with pytest.raises(ValueError, match="pos must lie"): one_cycle_mom(-0.1)

def test_one_cycle_lr_refuses_nan_position():
    with pytest.raises(ValueError, match="pos must lie"): one_cycle_lr(math.nan, 1e-2)

def test_one_cycle_schedule_refuses_zero_batches():
    with pytest.raises(ValueError, match="n .batches in the cycle. must be a positive integer, got 0"): one_cycle_schedule(0, 1e-2)

def test_one_cycle_schedule_refuses_a_negative_lr():
    with pytest.raises(ValueError, match="lr_max must be a finite number above 0, got -1"): one_cycle_schedule(10, -1.)

def test_one_cycle_refuses_div_zero():
    with pytest.raises(ValueError, match="div must be a finite number above 0"): one_cycle_schedule(10, 1e-2, div=0)
    with pytest.raises(ValueError, match="div_final must be"): OneCycleCB(1e-2, div_final=-1)

def test_one_cycle_cb_refuses_two_momentums():
    with pytest.raises(ValueError, match="moms must be None or three momentums"): OneCycleCB(1e-2, moms=(0.95, 0.85))

def test_perturbed_loss_increase_refuses_zero_directions():
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="n_dirs must be a positive integer.*got 0"):
        perturbed_loss_increase(m, F.cross_entropy, torch.randn(4, 3), torch.tensor([0, 1, 0, 1]), n_dirs=0)

def test_perturbed_loss_increase_restores_the_model_when_the_loss_fails():
    m = nn.Sequential(nn.Linear(3, 2)).train()
    before = [p.detach().clone() for p in m.parameters()]
    calls = []
    def failing(out, y):
        calls.append(1)
        if len(calls) > 2: raise RuntimeError("loss failed")
        return F.cross_entropy(out, y)
    with pytest.raises(RuntimeError, match="loss failed"):
        perturbed_loss_increase(m, failing, torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))
    assert all(torch.equal(a, b) for a, b in zip(before, m.parameters())) and m.training

def test_lr_spread_refuses_zero_groups():
    from coursecompanion.one_cycle import lr_spread
    with pytest.raises(ValueError, match="n=0 must be the number of parameter groups"): lr_spread(1e-3, 0)

def test_set_hyper_refuses_a_momentum_of_one_or_more():
    from coursecompanion.one_cycle import set_hyper
    opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="mom=1.5 must be a momentum in"): set_hyper(opt, "mom", 1.5)
    assert opt.param_groups[0]["momentum"] == 0.9

def test_perturbed_loss_increase_refuses_an_empty_batch():
    m = torch.nn.Linear(3, 2)
    with pytest.raises(ValueError, match="one non-empty batch, got 0 inputs"):
        perturbed_loss_increase(m, F.cross_entropy, torch.randn(0, 3), torch.zeros(0, dtype=torch.long))
