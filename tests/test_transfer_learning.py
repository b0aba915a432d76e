"Parameter groups, freezing (with and without trainable norm layers), per-group 1cycle, fine_tune, checkpoints and lr_find on frozen learners."
import pytest
import torch
from coursecompanion.data import DataLoader, DataLoaders
from coursecompanion.lr_finder import lr_find
from coursecompanion.transfer_learning import (TransferLearner, small_cnn, cnn_splitter, lr_spread, load_body,
                                               pick_classes, norm_params, valid_accuracy)

@pytest.fixture(autouse=True, scope="module")
def one_thread():
    "Tiny models: more threads only add overhead (restored after this module)."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def tiny_learner(seed=0, train_bn=True, n=40):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n, 1, 12, 12, generator=g), torch.randint(0, 5, (n,), generator=g)
    dls = DataLoaders(DataLoader(x, y, 10, shuffle=True, seed=seed, drop_last=True), DataLoader(x, y, 20))
    torch.manual_seed(seed)
    return TransferLearner(small_cnn(), dls, lr=1e-2, opt_func=torch.optim.AdamW, train_bn=train_bn)

def snapshot(learn): return {k: v.clone() for k, v in learn.model.state_dict().items()}

def test_splitter_covers_every_parameter_once():
    m = small_cnn(); groups = cnn_splitter(m)
    ids = [id(p) for g in groups for p in g]
    assert len(groups) == 5 and sorted(ids) == sorted(id(p) for p in m.parameters())

def test_lr_spread():
    assert lr_spread(0.1, 2) == [0.1, 0.1]
    assert lr_spread(slice(1e-2), 3) == pytest.approx([1e-3, 1e-3, 1e-2])
    lrs = lr_spread(slice(1e-4, 1e-2), 5)
    assert lrs[0] == pytest.approx(1e-4) and lrs[-1] == pytest.approx(1e-2)
    ratios = [b / a for a, b in zip(lrs, lrs[1:])]
    assert ratios == pytest.approx([100 ** 0.25] * 4)

@pytest.mark.parametrize("train_bn", [True, False])
def test_freeze_moves_only_trainable_params(train_bn):
    learn = tiny_learner(train_bn=train_bn).freeze()
    norms = norm_params(learn.model)
    before = {id(p): p.detach().clone() for p in learn.model.parameters()}
    learn.fit_one_cycle(1, slice(1e-2), valid=False)
    for i, g in enumerate(learn.groups):
        for p in g:
            moved = not torch.equal(before[id(p)], p.detach())
            should = i == len(learn.groups) - 1 or (train_bn and id(p) in norms)
            assert moved == should, (i, p.shape, train_bn)

def test_freeze_to_and_unfreeze():
    learn = tiny_learner(train_bn=False)
    assert [all(p.requires_grad for p in g) for g in learn.freeze_to(3).groups] == [False] * 3 + [True] * 2
    assert [any(p.requires_grad for p in g) for g in learn.freeze_to(-2).groups] == [False] * 3 + [True] * 2
    assert all(p.requires_grad for p in learn.unfreeze().model.parameters())

def test_group_one_cycle_keeps_the_ratios():
    learn = tiny_learner().unfreeze()
    ratios = []
    class Spy:
        order = 0
        def after_step(self, l): ratios.append([g["lr"] / l.opt.param_groups[-1]["lr"] for g in l.opt.param_groups])
    learn.fit_one_cycle(2, slice(1e-4, 1e-2), cbs=[Spy()], valid=False)
    want = [r / 1e-2 for r in lr_spread(slice(1e-4, 1e-2), 5)]
    assert len(ratios) == 8 and all(r == pytest.approx(want) for r in ratios)

def test_fine_tune_ends_unfrozen_with_discriminative_lrs():
    learn = tiny_learner().fine_tune(1, 1e-2, freeze_epochs=1, lr_mult=100, valid=False)
    assert all(p.requires_grad for p in learn.model.parameters())
    lrs = [g["lr"] for g in learn.opt.param_groups]
    assert lrs == pytest.approx([l / 1e5 for l in lr_spread(slice(5e-5, 5e-3), 5)])

def test_lr_find_on_frozen_learner_and_after_fine_tune():
    learn = tiny_learner().freeze()
    before, flags = snapshot(learn), [p.requires_grad for p in learn.model.parameters()]
    res = lr_find(learn, num_it=12, end_lr=1.)
    assert len(res.lrs) == 12
    assert all(torch.equal(v, before[k]) for k, v in learn.model.state_dict().items())
    assert [p.requires_grad for p in learn.model.parameters()] == flags
    learn.fine_tune(1, 1e-2, valid=False)
    lrs, before = [g["lr"] for g in learn.opt.param_groups], snapshot(learn)
    res = lr_find(learn, num_it=12, end_lr=1.)
    assert len(res.lrs) == 12 and [g["lr"] for g in learn.opt.param_groups] == lrs
    assert all(torch.equal(v, before[k]) for k, v in learn.model.state_dict().items())

def test_fine_tune_best_keeps_the_better_weights(tmp_path):
    learn = tiny_learner()
    out = learn.fine_tune_best(tmp_path / "f.pt", 1, 1e-2, valid=False)
    assert (tmp_path / "f.pt").exists()
    assert valid_accuracy(learn) == pytest.approx(max(out["frozen"], out["unfrozen"]))

def test_load_body_leaves_the_head_new():
    src, dst = small_cnn(), small_cnn()
    head = dst.head.weight.detach().clone()
    load_body(dst, src.state_dict())
    assert torch.equal(dst.body[0][0].weight, src.body[0][0].weight) and torch.equal(dst.head.weight, head)
    with pytest.raises(ValueError, match="does not fit"): load_body(small_cnn(widths=(4, 8, 16, 32)), src.state_dict())

def test_pick_classes_relabels():
    x, y = torch.zeros(6, 2, 2), torch.tensor([0, 2, 4, 2, 7, 9])
    xs, ys = pick_classes(x, y, (2, 4, 9))
    assert xs.shape == (4, 1, 2, 2) and ys.tolist() == [0, 1, 0, 2]

# bad input, unusual orders, checkpoints and resume
from coursecompanion.learner import CheckpointCB
from coursecompanion.transfer_learning import labelled_dls

def params(learn): return [p.detach().clone() for p in learn.model.parameters()]

def fresh_learner():
    "The same data, other weights: what a resume must overwrite."
    learn = tiny_learner()
    with torch.no_grad():
        for p in learn.model.parameters(): p.add_(1.)
    return learn

def test_fine_tune_stages_write_separate_checkpoints(tmp_path):
    tiny_learner().fine_tune(2, 1e-2, freeze_epochs=1, valid=False, cbs=[CheckpointCB(tmp_path / "e{epoch}.pt")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e0.pt", "e1.pt", "frozen_e0.pt"]

def test_fine_tune_resumes_the_unfrozen_stage_bitwise(tmp_path):
    full = tiny_learner().fine_tune(2, 1e-2, valid=False, cbs=[CheckpointCB(tmp_path / "e{epoch}.pt")])
    resumed = fresh_learner().fine_tune(2, 1e-2, valid=False, resume_from=tmp_path / "e0.pt")
    assert all(torch.equal(a, b) for a, b in zip(params(full), params(resumed)))
    assert all(p.requires_grad for p in resumed.model.parameters())

def test_fine_tune_resumes_after_the_frozen_stage_bitwise(tmp_path):
    full = tiny_learner().fine_tune(1, 1e-2, valid=False, cbs=[CheckpointCB(tmp_path / "e{epoch}.pt")])
    resumed = fresh_learner().fine_tune(1, 1e-2, valid=False, resume_from=tmp_path / "frozen_e0.pt")
    assert all(torch.equal(a, b) for a, b in zip(params(full), params(resumed)))

def test_fine_tune_resume_with_other_settings_is_refused_before_any_change(tmp_path):
    tiny_learner().fine_tune(2, 1e-2, valid=False, cbs=[CheckpointCB(tmp_path / "e{epoch}.pt")])
    learn = fresh_learner()
    before, flags = params(learn), [p.requires_grad for p in learn.model.parameters()]
    with pytest.raises(ValueError, match="lr_mult"):
        learn.fine_tune(2, 1e-2, lr_mult=10, valid=False, resume_from=tmp_path / "e0.pt")
    assert all(torch.equal(a, b) for a, b in zip(before, params(learn)))
    assert [p.requires_grad for p in learn.model.parameters()] == flags

def test_fine_tune_resume_from_a_plain_checkpoint_is_refused(tmp_path):
    learn = tiny_learner()
    learn.save(tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="not written during fine_tune"):
        learn.fine_tune(1, 1e-2, valid=False, resume_from=tmp_path / "plain.pt")

def test_fine_tune_lr_mult_given_as_a_fraction_is_refused():
    learn = tiny_learner()
    with pytest.raises(ValueError, match="lr_mult=0.01"): learn.fine_tune(1, 1e-2, lr_mult=0.01, valid=False)
    assert all(p.requires_grad for p in learn.model.parameters())  # not frozen on the way to the error

def test_fine_tune_zero_epochs_is_refused_before_freezing():
    learn = tiny_learner()
    with pytest.raises(ValueError, match="freeze_epochs=0"): learn.fine_tune(1, 1e-2, freeze_epochs=0, valid=False)
    assert all(p.requires_grad for p in learn.model.parameters())

def test_gradual_unfreeze_with_too_few_epochs_is_refused():
    learn = tiny_learner()
    before = params(learn)
    with pytest.raises(ValueError, match="epochs=2"): learn.gradual_unfreeze(2, valid=False)
    assert all(torch.equal(a, b) for a, b in zip(before, params(learn)))

def test_gradual_unfreeze_stages_write_separate_checkpoints(tmp_path):
    tiny_learner().gradual_unfreeze(5, valid=False, cbs=[CheckpointCB(tmp_path / "e{epoch}.pt")])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["e0.pt", "stage1_e0.pt", "stage2_e0.pt", "stage3_e0.pt", "stage4_e0.pt"]

@pytest.mark.parametrize("n", [5, -5, 7])
def test_freeze_to_out_of_range_is_refused(n):
    learn = tiny_learner()
    with pytest.raises(ValueError, match=f"n={n}"): learn.freeze_to(n)
    assert all(p.requires_grad for p in learn.model.parameters())

def test_freeze_to_a_float_is_refused():
    with pytest.raises(TypeError, match="n=2.0"): tiny_learner().freeze_to(2.0)

def test_pick_classes_unseen_class_is_refused():
    x, y = torch.zeros(4, 2, 2), torch.tensor([0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"\[7\]"): pick_classes(x, y, (1, 7))

def test_pick_classes_duplicate_class_is_refused():
    x, y = torch.zeros(4, 2, 2), torch.tensor([0, 1, 2, 1])
    with pytest.raises(ValueError, match="distinct"): pick_classes(x, y, (1, 1, 2))

def test_labelled_dls_more_labels_than_the_pool_is_refused():
    data = {"pool": (torch.zeros(30, 1, 4, 4, dtype=torch.uint8), torch.zeros(30, dtype=torch.long)),
            "valid": (torch.zeros(5, 1, 4, 4, dtype=torch.uint8), torch.zeros(5, dtype=torch.long))}
    stats = {"flatten": False, "scale": 255., "mean": 0.5, "std": 0.5}
    with pytest.raises(ValueError, match="n=100"): labelled_dls(data, 100, stats)
    assert len(labelled_dls(data, 30, stats).train.x) == 30

from coursecompanion.transfer_learning import pixel_stats, normalize, stage_cbs

def test_pixel_stats_refuses_a_zero_scale():
    with pytest.raises(ValueError, match="scale=0 must be a finite number above 0"):
        pixel_stats(torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8), 0)

def test_pixel_stats_refuses_no_images():
    with pytest.raises(ValueError, match="x holds no images"): pixel_stats(torch.zeros(0, 28, 28, dtype=torch.uint8))

def test_pixel_stats_refuses_nan_pixels():
    with pytest.raises(ValueError, match="NaN or inf"): pixel_stats(torch.full((2, 4, 4), float("nan")), 1.)

def test_normalize_refuses_a_zero_std():
    with pytest.raises(ValueError, match="std'\\]=0.0 must be above 0"):
        normalize(torch.zeros(2, 4, 4, dtype=torch.uint8), {"flatten": False, "scale": 255., "mean": 0.5, "std": 0.})

def test_pick_classes_refuses_float_labels():
    x, y = torch.zeros(6, 4, 4), torch.tensor([0., 1., 2., 0., 1., 2.])
    with pytest.raises(TypeError, match="y must hold integer labels, got dtype torch.float32"):
        pick_classes(x, y, (0, 1))

def test_stage_cbs_refuses_a_bare_callback():
    from coursecompanion.learner import CheckpointCB
    with pytest.raises(TypeError, match="wrap a single callback as \\[cb\\]"): stage_cbs(CheckpointCB("x.pt"), "frozen")
