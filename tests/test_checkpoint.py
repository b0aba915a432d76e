"Checkpoints: where they live, when `CheckpointCB` saves, and the arguments it refuses."
import subprocess, sys
import pytest
import torch
from coursecompanion.checkpoint import CheckpointCB, load_checkpoint, save_checkpoint
from coursecompanion.learner import Callback, EarlyStoppingCB
from test_lr_finder import tiny_learner, same, state

def test_the_old_imports_from_learner_give_the_checkpoint_names():
    import coursecompanion.checkpoint as ck
    from coursecompanion.learner import CheckpointCB as old_cb, load_checkpoint as old_load, mlp
    from coursecompanion.core import mlp as core_mlp
    assert old_cb is ck.CheckpointCB and old_load is ck.load_checkpoint and mlp is core_mlp

def test_an_unknown_name_in_learner_is_still_an_attribute_error():
    import coursecompanion.learner as L
    with pytest.raises(AttributeError, match="CheckpointCBB"): L.CheckpointCBB

def test_importing_the_learner_does_not_import_checkpoint():
    code = "import sys, coursecompanion.learner; print('coursecompanion.checkpoint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

def test_the_checkpoint_module_imports_on_its_own():
    subprocess.run([sys.executable, "-c", "import coursecompanion.checkpoint"], check=True)

class Score(Callback):
    "Log a made-up score per epoch, so that early stopping stops at a known epoch."
    order = 55
    def __init__(self, scores): self.scores = scores
    def after_epoch(self, learn): learn.epoch_log["score"] = self.scores[learn.epoch]

def test_early_stopping_saves_the_epoch_where_it_stopped(tmp_path):
    es = EarlyStoppingCB("score", patience=3)
    learn = tiny_learner()
    learn.fit(20, cbs=[Score([3, 2, 1, 5, 5, 5, 5]), es, CheckpointCB(tmp_path/"e{epoch}.pt", every=5)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e4.pt", "e5.pt"]  # it stopped after epoch 5
    saved = torch.load(tmp_path/"e5.pt", weights_only=True)
    assert saved["epoch"] == 5 and saved["callbacks"]["EarlyStoppingCB"]["wait"] == 3

def test_the_stopped_epoch_is_saved_with_its_own_weights_not_the_restored_best(tmp_path):
    learn = tiny_learner()
    cbs = [Score([3, 2, 1, 5, 5]), EarlyStoppingCB("score", patience=2), CheckpointCB(tmp_path/"last.pt", every=5)]
    learn.fit(20, cbs=cbs)
    saved = torch.load(tmp_path/"last.pt", weights_only=True)
    best = saved["callbacks"]["EarlyStoppingCB"]["best_state"]
    assert not same(saved["model"], best) and same(learn.model.state_dict(), best)

@pytest.mark.parametrize("every", [0, -1, 2.5, True])
def test_checkpoint_every_that_never_saves_is_refused_when_built(every):
    with pytest.raises(ValueError, match="every must be"): CheckpointCB("ck.pt", every=every)

def test_a_checkpoint_path_with_an_unknown_field_is_refused_when_built():
    with pytest.raises(ValueError, match=r"\{epoch\}"): CheckpointCB("ck_{epch}.pt")

def test_a_learner_with_early_stopping_saves_before_any_fit(tmp_path):
    es = EarlyStoppingCB(); learn = tiny_learner(); learn.add_cbs([es])
    save_checkpoint(learn, tmp_path/"fresh.pt")
    other = tiny_learner(init_seed=3); other.add_cbs([EarlyStoppingCB()])
    load_checkpoint(other, tmp_path/"fresh.pt")
    assert same(other.model.state_dict(), learn.model.state_dict())

def test_resuming_with_early_stopping_from_the_stopped_epoch_goes_on(tmp_path):
    tiny_learner().fit(20, cbs=[Score([3, 2, 1, 5, 5, 5, 5]), EarlyStoppingCB("score", patience=2),
                                CheckpointCB(tmp_path/"e{epoch}.pt", every=5)])
    learn = tiny_learner(init_seed=2)
    learn.fit(7, cbs=[Score([3, 2, 1, 5, 5, 0, 5]), EarlyStoppingCB("score", patience=2)], resume_from=tmp_path/"e4.pt")
    assert [v["epoch"] for v in learn.recorder.values] == [5, 6]

def test_a_checkpoint_saved_before_any_fit_resumes_from_the_first_epoch(tmp_path):
    from test_lr_finder import tiny_learner as fresh
    straight = fresh().fit(3)
    learn = fresh(); learn.save(tmp_path/"untrained.pt")
    resumed = fresh(init_seed=9).fit(3, resume_from=tmp_path/"untrained.pt")
    assert [v["epoch"] for v in resumed.recorder.values] == [0, 1, 2]
    assert same(state(straight)["model"], state(resumed)["model"])

def test_two_callbacks_of_one_class_keep_their_own_states(tmp_path):
    a, b = EarlyStoppingCB("train_loss", patience=5), EarlyStoppingCB("valid_loss", patience=7)
    learn = tiny_learner(); learn.add_cbs([a, b]); learn.fit(2)
    learn.save(tmp_path/"two.pt")
    a2, b2 = EarlyStoppingCB("train_loss", patience=5), EarlyStoppingCB("valid_loss", patience=7)
    other = tiny_learner(init_seed=4); other.add_cbs([a2, b2]); other.load(tmp_path/"two.pt")
    assert (a2.best, b2.best) == (a.best, b.best) and a.best != b.best

def test_reading_a_checkpoint_for_a_fresh_learner_changes_nothing(tmp_path):
    from coursecompanion.checkpoint import read_checkpoint
    save_checkpoint(tiny_learner().fit(1), tmp_path/"c.pt")
    learn = tiny_learner(init_seed=3)
    read_checkpoint(tmp_path/"c.pt", learn)
    assert learn.opt is None
    load_checkpoint(learn, tmp_path/"c.pt")
    assert learn.opt is not None and len(learn.opt.state) > 0

def test_a_folder_is_not_a_checkpoint_path(tmp_path):
    with pytest.raises(ValueError, match="is a folder; name a file in it"): CheckpointCB(tmp_path)
    learn = tiny_learner()
    with pytest.raises(IsADirectoryError, match="is a folder"): learn.save(tmp_path)
