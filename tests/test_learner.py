"The Learner's guarantees, each feature combined with the others and with unusual input: one test per defect."
import math, os, warnings
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset
from coursecompanion.core import set_seed
from coursecompanion.data import DataLoader, DataLoaders
from coursecompanion.learner import (Learner, Callback, CallbackError, CancelBatchException, CancelFitException, CheckpointCB,
                                     CheckpointError, EarlyStoppingCB, MetricsCB, NonFiniteLossError, accuracy,
                                     load_checkpoint, save_checkpoint)
from coursecompanion.lr_finder import lr_find
from coursecompanion.one_cycle import OneCycleCB, fit_one_cycle
from test_lr_finder import OPTS, tiny_learner, same, state

def data(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g); y = x @ torch.randn(5, 1, generator=g) + 0.1 * torch.randn(n, 1, generator=g)
    return x, y

def torch_learner(opt="adam", seed=0, init_seed=None, cbs=()):
    "tiny_learner's task over torch DataLoaders (`DataLoaders.from_datasets`)."
    x, y = data(seed)
    dls = DataLoaders.from_datasets(TensorDataset(x[:192], y[:192]), TensorDataset(x[192:], y[192:]), bs=32, seed=seed)
    set_seed(seed if init_seed is None else init_seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    return Learner(model, dls, loss_func=F.mse_loss, lr=1e-2, opt_func=OPTS[opt], device="cpu", cbs=list(cbs))

class LRSpy(Callback):
    "Record every group's LR and momentum as the optimiser steps with them (after every other callback set them)."
    order = 100
    def __init__(self): self.rec = ([], [])  # in a tuple: lr_find restores its callbacks' lists, not what a tuple holds
    lrs, moms = property(lambda self: self.rec[0]), property(lambda self: self.rec[1])
    def after_backward(self, learn):
        self.lrs.append([g["lr"] for g in learn.opt.param_groups])
        self.moms.append([g.get("momentum", g.get("betas", (None,))[0]) for g in learn.opt.param_groups])

class CrashAt(Callback):
    "Raise at training batch `it` of epoch `epoch` (a crash mid-epoch)."
    order = 80
    def __init__(self, epoch, it=2): self.epoch, self.it = epoch, it
    def before_batch(self, learn):
        if learn.training and learn.epoch == self.epoch and learn.iter == self.it: raise KeyboardInterrupt("crash")

# 1. lr_find with a scheduler attached, and with frozen parameter groups
def test_lr_find_reports_the_lrs_the_optimiser_used():
    learn = tiny_learner("adamw"); learn.add_cbs([OneCycleCB(1e-2)]); learn.fit(1)
    spy = LRSpy(); learn.add_cbs([spy])
    res = lr_find(learn, num_it=30)
    # every step but the last (the test stops after its loss) used the sweep's LR; before the fix, 1cycle's
    assert [lrs[-1] for lrs in spy.lrs] == res.lrs[:-1]

def test_lr_find_refuses_an_unknown_scheduler():
    class ConstantLR(Callback):
        def before_batch(self, learn): learn.opt.param_groups[0]["lr"] = 1e-3
    learn = tiny_learner(); learn.add_cbs([ConstantLR()]); before = state(learn)
    with pytest.raises(CallbackError, match="sets_hypers"): lr_find(learn, num_it=20)
    assert same(state(learn), before)

def frozen_body_learner():
    "A body with frozen weights (requires_grad False) and a head, in two groups at LRs 1e-4 and 1e-3 (transfer learning)."
    learn = tiny_learner("adamw", bn=True)
    body, head = learn.model[:3], learn.model[3:]
    for p in body.parameters(): p.requires_grad_(False)
    learn.opt = torch.optim.AdamW([{"params": list(body.parameters()), "lr": 1e-4}, {"params": list(head.parameters()), "lr": 1e-3}])
    return learn, body

def test_lr_find_on_frozen_groups_keeps_their_ratio():
    learn, body = frozen_body_learner(); learn.fit(1)
    before, spy = state(learn), LRSpy(); learn.add_cbs([spy])
    res = lr_find(learn, num_it=30)
    assert [lrs[1] for lrs in spy.lrs] == res.lrs[:-1]
    assert all(math.isclose(a / b, 0.1, rel_tol=1e-12) for a, b in spy.lrs)
    learn.remove_cbs([spy]); assert same(state(learn), before)
    assert not any(p.requires_grad for p in body.parameters())

# 2. 1cycle and optimisers without momentum
@pytest.mark.parametrize("opt", ["sgd", "adagrad"])
def test_one_cycle_leaves_momentum_free_optimisers_alone(opt):
    learn = tiny_learner("sgd")
    if opt == "adagrad": learn.opt_func = torch.optim.Adagrad
    spy = LRSpy(); learn.fit_one_cycle(2, 1e-2, cbs=[spy])
    assert all(m == [0] for m in spy.moms) if opt == "sgd" else all(m == [None] for m in spy.moms)
    assert learn.opt.param_groups[0].get("momentum", 0) == 0

def test_one_cycle_cycles_momentum_where_the_optimiser_has_it():
    learn = tiny_learner("sgd_mom"); spy = LRSpy(); learn.fit_one_cycle(2, 1e-2, cbs=[spy])
    moms = [m[0] for m in spy.moms]
    assert moms[0] == pytest.approx(0.95) and min(moms) == pytest.approx(0.85, abs=1e-3) and moms[-1] == pytest.approx(0.95)

# 3. resume with torch DataLoaders
def test_resume_is_bitwise_with_torch_dataloaders(tmp_path):
    full = fit_one_cycle(torch_learner(), 4, 1e-2)
    with pytest.raises(KeyboardInterrupt):
        fit_one_cycle(torch_learner(), 4, 1e-2, cbs=[CheckpointCB(tmp_path/"e{epoch}.pt"), CrashAt(2)])
    resumed = fit_one_cycle(torch_learner(init_seed=7), 4, 1e-2, resume_from=tmp_path/"e1.pt")
    assert same(state(full)["model"], state(resumed)["model"]) and same(state(full)["opt"], state(resumed)["opt"])

# 4. early stopping resumed
class ScoreCB(Callback):
    "Log a given score per epoch (what EarlyStoppingCB monitors)."
    order = 55
    def __init__(self, scores): self.scores = scores
    def after_epoch(self, learn): learn.epoch_log["score"] = self.scores[learn.epoch]

def test_early_stopping_survives_a_resume(tmp_path):
    scores = [5., 1., 2., 3., 4., 0., 0.]  # best at epoch 1; patience 3 stops after epoch 4 and restores epoch 1
    def run(resume=None, stop=None, init_seed=None):
        es = EarlyStoppingCB("score", patience=3)
        cbs = [ScoreCB(scores), es, CheckpointCB(tmp_path/"e{epoch}.pt")] + ([CrashAt(stop, 0)] if stop is not None else [])
        learn = tiny_learner("sgd_mom", init_seed=init_seed, bn=True); learn.add_cbs(cbs)
        learn.fit(7, resume_from=resume); return learn, es
    full, es_full = run()
    with pytest.raises(KeyboardInterrupt): run(stop=4)
    resumed, es = run(resume=tmp_path/"e3.pt", init_seed=7)  # two epochs after the best
    assert es.best_epoch == es_full.best_epoch == 1
    assert same(state(full)["model"], state(resumed)["model"])
    assert len(resumed.recorder.values) == 1  # epoch 4, then it stopped

# 5. NonFiniteCB restores weights that give a finite loss
def test_non_finite_loss_restores_weights_with_a_finite_loss():
    set_seed(0)
    x, y = data(1, 512); x = x * 3
    dls = DataLoaders(DataLoader(x, y, bs=32, shuffle=True, seed=0), None)
    learn = Learner(nn.Linear(5, 1), dls, loss_func=F.mse_loss, lr=0.5, opt_func=OPTS["sgd_mom"])
    with pytest.raises(NonFiniteLossError, match="restored the weights"): learn.fit(20)
    with torch.no_grad(): loss = F.mse_loss(learn.model(x), y).item()
    assert math.isfinite(loss)
    learn.fit(2, lr=1e-3)  # goes on from there (before the fix: inf at batch 0)

# 6. learning rates and epoch counts that train nothing, or train backwards
@pytest.mark.parametrize("lr", [-0.5, 0, float("nan"), float("inf")])
def test_bad_learning_rates_are_refused(lr):
    learn = tiny_learner("sgd"); learn.fit(1); before = state(learn)
    with pytest.raises(ValueError, match="lr"): learn.fit(1, lr=lr)
    with pytest.raises(ValueError, match="lr_max"): learn.fit_one_cycle(3, lr_max=lr)
    assert same(state(learn), before)
    with pytest.raises(ValueError, match="lr"): Learner(nn.Linear(5, 1), learn.dls, lr=lr)

@pytest.mark.parametrize("n", [0, -3, 1.5])
def test_epoch_counts_that_train_nothing_are_refused(n):
    with pytest.raises(ValueError, match="n_epochs"): tiny_learner().fit(n)

def test_resuming_past_the_end_is_refused(tmp_path):
    tiny_learner().fit(3, cbs=[CheckpointCB(tmp_path/"e{epoch}.pt")])
    learn = tiny_learner(init_seed=5); before = state(learn)
    with pytest.raises(ValueError, match="no epoch left"): learn.fit(3, resume_from=tmp_path/"e2.pt")
    learn.opt = None; assert same(state(learn)["model"], before["model"])

# 7. checkpoints
def test_checkpoint_of_another_optimiser_changes_nothing(tmp_path):
    save_checkpoint(tiny_learner("sgd").fit(1), tmp_path/"sgd.pt")
    learn = tiny_learner("adamw", init_seed=3); learn.fit(1); before = state(learn)
    with pytest.raises(CheckpointError, match="SGD"): load_checkpoint(learn, tmp_path/"sgd.pt")
    assert same(state(learn), before)

def test_foreign_and_damaged_files_give_checkpoint_errors(tmp_path):
    learn = tiny_learner().fit(1); good = save_checkpoint(learn, tmp_path/"good.pt"); before = state(learn)
    (tmp_path/"text.pt").write_text("epoch 3, loss 0.2\n")
    torch.save({"format": "coursecompanion.checkpoint", "version": 2}, tmp_path/"keys.pt")
    with pytest.raises(CheckpointError, match="could not be read"): load_checkpoint(learn, tmp_path/"text.pt")
    with pytest.raises(CheckpointError, match="lacks"): load_checkpoint(learn, tmp_path/"keys.pt")
    raw = bytearray(good.read_bytes()); w = learn.model[0].weight.detach().numpy().tobytes()
    at = raw.find(w); assert at > 0
    raw[at + len(w) // 2] ^= 0x10  # one flipped bit in the weights
    (tmp_path/"flipped.pt").write_bytes(raw)
    with pytest.raises(CheckpointError, match="checksum"): load_checkpoint(learn, tmp_path/"flipped.pt")
    assert same(state(learn), before)
    load_checkpoint(learn, good)

def test_a_killed_save_leaves_no_temporary_behind(tmp_path):
    stale = tmp_path/".ck.pt.abc123.tmp"; stale.write_bytes(b"half a checkpoint")  # what SIGKILL during a save leaves
    save_checkpoint(tiny_learner(), tmp_path/"ck.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.pt"]

# 8. consecutive fits
class FirstBatch(Callback):
    def __init__(self): self.first = []
    def before_batch(self, learn):
        if learn.training and learn.iter == 0: self.first.append(learn.yb.clone())

def test_consecutive_fits_shuffle_anew():
    spy = FirstBatch(); learn = tiny_learner(); learn.add_cbs([spy])
    learn.fit(1); learn.fit(1)
    assert not torch.equal(spy.first[0], spy.first[1])
    spy2 = FirstBatch(); other = tiny_learner(); other.add_cbs([spy2]); other.fit(2)
    assert all(torch.equal(a, b) for a, b in zip(spy.first, spy2.first))  # two fits of 1 epoch = one fit of 2

# 9. data
def test_nan_in_the_inputs_is_named():
    x, y = torch.rand(20, 4, 4), torch.randint(0, 3, (20,)); x[7, 2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"x_train\[7\] at \(2, 1\)"): DataLoaders.from_tensors(x, y, x[:5].nan_to_num(), y[:5])
    with pytest.raises(ValueError, match=r"x_valid\[7\]"): DataLoaders.from_tensors(x.nan_to_num(), y, x, y)

def test_a_batch_larger_than_the_data_with_drop_last_is_refused():
    with pytest.raises(ValueError, match="no batch"): DataLoader(torch.zeros(10, 2), torch.zeros(10), bs=16, drop_last=True)
    with pytest.raises(ValueError, match="no batch"): DataLoader(torch.zeros(10, 2), torch.zeros(10), bs=4, drop_last=True).shard(0, 4)

def test_from_tensors_with_a_seed_leaves_the_global_rng_alone():
    x, y = torch.rand(20, 3), torch.randint(0, 3, (20,))
    torch.manual_seed(0); before = torch.get_rng_state()
    DataLoaders.from_tensors(x, y, x, y, bs=4, seed=1)
    assert torch.equal(torch.get_rng_state(), before)

def test_ignore_index_labels_are_accepted_and_bad_validation_labels_named():
    x, y = torch.randn(32, 5), torch.randint(0, 3, (32,))
    y_ign = y.clone(); y_ign[::5] = -100
    Learner(nn.Linear(5, 3), DataLoaders(DataLoader(x, y_ign, bs=8), DataLoader(x, y_ign, bs=8))).fit(1)
    y_bad = y.clone(); y_bad[-1] = 3
    with pytest.raises(ValueError, match=r"validation batch 0.*range over \[0, 3\]"):
        Learner(nn.Linear(5, 3), DataLoaders(DataLoader(x, y, bs=8), DataLoader(x, y_bad, bs=8))).fit(1)

# 10. the smaller ones
def test_an_error_in_after_fit_does_not_hide_the_first():
    class Boom(Callback):
        def after_batch(self, learn): raise ValueError("the first error")
    class BadCleanup(Callback):
        def after_fit(self, learn): raise RuntimeError("cleanup failed")
    with pytest.raises(CallbackError, match="the first error") as e: tiny_learner().fit(1, cbs=[Boom(), BadCleanup()])
    assert any("cleanup failed" in note for note in getattr(e.value, "__notes__", []))

def test_get_preds_goes_through_predict_and_restores_modes():
    class Doubled(Learner):
        def predict(self): self.preds = 2 * self.model(self.xb)
    learn = tiny_learner(bn=True); learn.fit(1)
    d = Doubled(learn.model, learn.dls, loss_func=F.mse_loss, device="cpu")
    learn.model.train()
    preds, targs = d.get_preds()
    learn.model.eval()
    with torch.no_grad(): expected = 2 * learn.model(learn.dls.valid.x)
    assert torch.equal(preds, expected) and torch.equal(targs, learn.dls.valid.y)
    learn.model.train(); d.get_preds(); assert all(m.training for m in learn.model.modules())

def test_fit_lr_holds_for_that_fit_only():
    learn = tiny_learner("sgd"); learn.fit(1); spy = LRSpy()
    learn.fit(1, lr=0.5, cbs=[spy])
    assert all(lrs == [0.5] for lrs in spy.lrs) and learn.opt.param_groups[0]["lr"] == 1e-2

# regressions nothing caught before
def test_cancel_in_after_backward_clears_the_gradients():
    class CancelAfterBackward(Callback):
        def after_backward(self, learn): raise CancelBatchException()
    learn = tiny_learner("sgd"); w0 = state(learn)["model"]
    learn.fit(1, cbs=[CancelAfterBackward()])
    assert same(state(learn)["model"], w0)
    assert all(p.grad is None or not p.grad.any() for p in learn.model.parameters())

def test_metrics_are_weighted_by_batch_size():
    x, y = torch.randn(10, 5), torch.arange(10.)[:, None]
    dls = DataLoaders(DataLoader(x, y, bs=4), DataLoader(x, y, bs=4))  # batches of 4, 4 and 2
    learn = Learner(nn.Linear(5, 1), dls, loss_func=F.mse_loss, cbs=[MetricsCB(mean_y=lambda p, t: t.mean())]).fit(1)
    assert learn.recorder.values[-1]["mean_y"] == pytest.approx(4.5, rel=1e-6)  # unweighted: 5.17

# everything at once
def test_lr_find_one_cycle_checkpoints_early_stopping_and_torch_loaders_resume_bitwise(tmp_path):
    def make(init_seed=None):
        learn = torch_learner("adamw", init_seed=init_seed, cbs=[EarlyStoppingCB(patience=10), MetricsCB(mae=lambda p, t: (p - t).abs().mean())])
        lr = lr_find(learn, num_it=20).suggestions.default
        return learn, lr
    learn, lr = make(); full = learn.fit_one_cycle(4, lr, cbs=[CheckpointCB(tmp_path/"full{epoch}.pt")])
    learn, lr2 = make(); assert lr2 == lr
    with pytest.raises(KeyboardInterrupt): learn.fit_one_cycle(4, lr, cbs=[CheckpointCB(tmp_path/"e{epoch}.pt"), CrashAt(2, 3)])
    resumed, _ = make(init_seed=9)
    resumed.fit_one_cycle(4, lr, resume_from=tmp_path/"e1.pt")
    a, b = state(full), state(resumed)
    assert same(a["model"], b["model"]) and same(a["opt"], b["opt"])
    assert [v["mae"] for v in resumed.recorder.values] == [v["mae"] for v in full.recorder.values[2:]]

# per-group 1cycle (discriminative LRs), with a frozen group, checkpoints and resume
def two_group_learner(init_seed=None):
    learn = torch_learner("adamw", init_seed=init_seed)
    body, head = learn.model[:3], learn.model[3:]
    learn.opt_func = lambda ps, lr: torch.optim.AdamW([{"params": list(body.parameters())}, {"params": list(head.parameters())}], lr=lr)
    return learn

@pytest.mark.parametrize("lr_max", [slice(1e-4, 1e-2), [1e-4, 1e-2]])
def test_one_cycle_per_group_keeps_ratios_and_resumes_bitwise(tmp_path, lr_max):
    spy = LRSpy(); full = two_group_learner().fit_one_cycle(4, lr_max, cbs=[spy])
    assert all(math.isclose(a / b, 1e-2, rel_tol=1e-9) for a, b in spy.lrs)  # the ratio held through the whole cycle
    assert max(b for _, b in spy.lrs) == pytest.approx(1e-2, rel=1e-2) and spy.lrs[-1][1] < 1e-6  # the head's own cycle
    with pytest.raises(KeyboardInterrupt):
        two_group_learner().fit_one_cycle(4, lr_max, cbs=[CheckpointCB(tmp_path/"e{epoch}.pt"), CrashAt(2)])
    resumed = two_group_learner(init_seed=5).fit_one_cycle(4, lr_max, resume_from=tmp_path/"e1.pt")
    assert same(state(full)["model"], state(resumed)["model"]) and same(state(full)["opt"], state(resumed)["opt"])

def test_one_cycle_refuses_bad_per_group_lrs_before_training():
    learn = two_group_learner(); before = state(learn)
    for bad, msg in (([1e-3], "1 learning rates given for 2"), ([1e-3, -1.], "lr_max"), (slice(0, 1e-2), "lr_max")):
        with pytest.raises(ValueError, match=msg): learn.fit_one_cycle(1, bad)
    assert same(state(learn)["model"], before["model"])

# a callback whose state fails to load, after another one's has loaded: everything is rolled back
class Picky(Callback):
    "Saves a state it then refuses to load."
    order = 65
    def state_dict(self): return {"x": 1}
    def load_state_dict(self, d): raise ValueError("refused")

def test_a_callback_that_fails_to_load_rolls_the_whole_learner_back(tmp_path):
    src = tiny_learner("adamw", bn=True); src.add_cbs([EarlyStoppingCB(patience=5), Picky()]); src.fit(3)
    save_checkpoint(src, tmp_path/"c.pt")
    es = EarlyStoppingCB(patience=5)
    learn = tiny_learner("adamw", bn=True, init_seed=4); learn.add_cbs([es, Picky()]); learn.fit(1)
    before, es_before = state(learn), dict(es.__dict__)
    with pytest.raises(CheckpointError, match="refused.*left as it was"): load_checkpoint(learn, tmp_path/"c.pt")
    assert same(state(learn), before)
    assert es.loaded is False and es.best == es_before["best"] and es.best_epoch == es_before["best_epoch"]
    learn.fit(1)  # and it still trains, from where it was

# bad input, unusual orders
def regression_learner(lr=1e-2):
    "A linear regression on synthetic data, inputs scaled so that lr 0.5 diverges."
    set_seed(0)
    x, y = data(1, 512); x = x * 3
    dls = DataLoaders(DataLoader(x[:384], y[:384], bs=32, shuffle=True, seed=0), DataLoader(x[384:], y[384:], bs=64))
    return Learner(nn.Linear(5, 1), dls, loss_func=F.mse_loss, lr=lr, device="cpu"), x, y

def test_get_preds_on_unknown_targets_predicts_and_keeps_the_weights():
    learn, x, y = regression_learner(); learn.fit(2)
    w = [p.detach().clone() for p in learn.model.parameters()]
    preds, targs = learn.get_preds(DataLoader(x[:40], torch.full((40, 1), float("nan")), bs=16))
    assert preds.shape == (40, 1) and preds.isfinite().all() and targs.isnan().all()
    assert all(torch.equal(a, b) for a, b in zip(w, learn.model.parameters()))

def test_get_preds_without_a_loader_names_the_fix():
    learn, x, y = regression_learner(); learn.dls.valid = None
    with pytest.raises(ValueError, match="no validation loader; pass dl="): learn.get_preds()

def test_a_diverged_fit_restores_weights_whose_loss_is_sane():
    learn, x, y = regression_learner(lr=0.5)
    with torch.no_grad(): first = F.mse_loss(learn.model(x), y).item()
    with pytest.raises(NonFiniteLossError, match="their loss was|the weights it started from"): learn.fit(20)
    with torch.no_grad(): loss = F.mse_loss(learn.model(x), y).item()
    assert loss < 10 * first, (loss, first)
    learn.fit(3, lr=1e-3)
    assert learn.recorder.values[-1]["valid_loss"] < 10 * first

def test_non_finite_cb_refuses_a_negative_snapshot_interval():
    from coursecompanion.learner import NonFiniteCB
    with pytest.raises(ValueError, match="snapshot_every"): NonFiniteCB(snapshot_every=-1)

def test_a_single_callback_for_cbs_is_refused_with_a_hint():
    learn, x, y = regression_learner()
    with pytest.raises(TypeError, match=r"cbs=\[\.\.\.\]"): Learner(nn.Linear(5, 1), learn.dls, cbs=MetricsCB())
    before = [p.detach().clone() for p in learn.model.parameters()]
    with pytest.raises(TypeError, match=r"cbs=\[\.\.\.\]"): learn.fit(1, cbs=MetricsCB())
    assert learn.opt is None and all(torch.equal(a, b) for a, b in zip(before, learn.model.parameters()))

def test_a_callback_class_instead_of_an_instance_is_refused():
    learn, x, y = regression_learner()
    with pytest.raises(TypeError, match=r"MetricsCB\(\)"): learn.fit(1, cbs=[MetricsCB])
    assert learn.opt is None  # refused before anything changed

@pytest.mark.parametrize("kw, msg", [(dict(model=lambda x: x), "model must be a torch.nn.Module"),
                                     (dict(dls=[1, 2]), "dls must have"), (dict(loss_func="mse"), "loss_func must be callable")])
def test_learner_arguments_of_the_wrong_kind_are_named(kw, msg):
    learn, x, y = regression_learner()
    args = dict(model=nn.Linear(5, 1), dls=learn.dls) | kw
    with pytest.raises(TypeError, match=msg): Learner(**args)

@pytest.mark.parametrize("kw, msg", [(dict(patience=0), "patience"), (dict(patience=2.5), "patience"),
                                     (dict(min_delta=-0.1), "min_delta"), (dict(min_delta=float("nan")), "min_delta")])
def test_early_stopping_arguments_that_cannot_work_are_refused(kw, msg):
    with pytest.raises(ValueError, match=msg): EarlyStoppingCB(**kw)

def test_the_epoch_where_early_stopping_stops_is_printed():
    from coursecompanion.learner import ProgressCB
    import contextlib, io
    class Flat(Callback):
        order = 55
        def after_epoch(self, learn): learn.epoch_log["score"] = 1.0
    learn, x, y = regression_learner(); out = io.StringIO()
    with contextlib.redirect_stdout(out):
        learn.fit(10, cbs=[Flat(), EarlyStoppingCB("score", patience=2), ProgressCB(bar=False)])
    assert len(learn.recorder.values) == 3 and len(out.getvalue().splitlines()) == 3

def test_a_percentage_for_valid_pct_is_refused_with_the_fraction():
    from coursecompanion.data import split
    x, y = data()
    with pytest.raises(ValueError, match="looks like a percentage, pass 0.2"): split(x, y, valid_pct=20)

@pytest.mark.parametrize("n", [0, -5, 2.5])
def test_a_subset_of_no_items_is_refused(n):
    from coursecompanion.data import subset
    x, y = data()
    with pytest.raises(ValueError, match="n must be a whole number"): subset(x, y, n)

@pytest.mark.parametrize("bs", [2.5, True])
def test_a_batch_size_that_is_not_a_whole_number_is_refused(bs):
    x, y = data()
    with pytest.raises(ValueError, match="batch size must be at least 1"): DataLoader(x, y, bs=bs)

def test_training_a_model_with_every_parameter_frozen_is_refused_before_any_change():
    learn, x, y = regression_learner()
    for p in learn.model.parameters(): p.requires_grad_(False)
    with pytest.raises(ValueError, match="no parameter of the model requires grad"): learn.fit(1)
    assert learn.opt is None and learn.recorder is None
    learn.fit(1, train=False)  # evaluating is fine

@pytest.mark.parametrize("lr", [True, "0.1"])
def test_a_learning_rate_that_is_not_a_number_is_refused(lr):
    learn, x, y = regression_learner()
    with pytest.raises(ValueError, match="lr must be a number"): Learner(nn.Linear(5, 1), learn.dls, lr=lr)

def test_set_lr_refuses_a_negative_rate_and_leaves_the_optimiser_alone():
    from coursecompanion.learner import set_lr
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="finite number >= 0"): set_lr(opt, -0.1)
    assert opt.param_groups[0]["lr"] == 0.1

def test_accuracy_of_one_score_per_item_is_refused():
    with pytest.raises(ValueError, match="one row of class scores per target"):
        accuracy(torch.tensor([0.9, 0.1, 0.8]), torch.tensor([1, 0, 1]))

def test_a_metric_returning_a_plain_number_is_averaged():
    learn, x, y = regression_learner()
    learn.fit(1, cbs=[MetricsCB(mae=lambda p, t: float((p - t).abs().mean()))])
    assert 0 < learn.recorder.values[-1]["mae"] < 100

def test_a_metric_that_is_not_a_function_is_refused():
    with pytest.raises(TypeError, match="a metric must be a function"): MetricsCB("accuracy")

def test_weighted_mean_of_nothing_is_a_value_error():
    from coursecompanion.learner import weighted_mean
    with pytest.raises(ValueError, match="no items"): weighted_mean([], [])

def test_a_model_replaced_after_a_fit_is_not_trained_by_the_old_optimiser():
    learn, x, y = regression_learner(); learn.fit(1)
    learn.model = nn.Linear(5, 1)
    with pytest.raises(ValueError, match="not the model's"): learn.fit(1)
    learn.opt = None; w = learn.model.weight.detach().clone(); learn.fit(1)
    assert not torch.equal(w, learn.model.weight)

def test_a_callback_given_again_to_fit_is_refused_and_stays_with_the_learner():
    es = EarlyStoppingCB(patience=5)
    learn, x, y = regression_learner(); learn.add_cbs([es])
    with pytest.raises(ValueError, match="already one of the learner's callbacks"): learn.fit(1, cbs=[es])
    assert es in learn.cbs

def test_weighted_mean_refuses_unequal_lengths():
    from coursecompanion.learner import weighted_mean
    with pytest.raises(ValueError, match="2 values but 1 weights"): weighted_mean([1.0, 2.0], [1])

def test_flags_that_are_not_booleans_are_refused():
    from coursecompanion.learner import ProgressCB
    with pytest.raises(TypeError, match="default_cbs='no'"): Learner(torch.nn.Linear(2, 2), None, default_cbs="no")
    with pytest.raises(TypeError, match="bar='no'"): ProgressCB(bar="no")
