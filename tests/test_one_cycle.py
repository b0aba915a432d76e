"fit_one_cycle resumes mid-cycle from any epoch's checkpoint, and the package's helpers run outside the notebook."
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
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
    assert learn.recorder.lrs == pytest.approx(lrs, abs=1e-15)
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
