"On a GPU: lr_find restores everything (CUDA random state too), training after it is bitwise unchanged, and 1cycle resumes bitwise."
import os
import pytest
import torch
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
from coursecompanion.learner import Callback, CancelFitException, CheckpointCB
from coursecompanion.lr_finder import lr_find
from coursecompanion.one_cycle import fit_one_cycle
from test_lr_finder import OPTS, tiny_learner, same, state

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

@pytest.fixture(autouse=True)
def deterministic():
    torch.use_deterministic_algorithms(True); yield; torch.use_deterministic_algorithms(False)

def cuda_learner(opt="adam", **kwargs):
    learn = tiny_learner(opt, bn=True, **kwargs); learn.cbs[0].device = "cuda"  # DeviceCB
    return learn

def full_state(learn): return {**state(learn), "cuda_rng": torch.cuda.get_rng_state_all()}

@pytest.mark.parametrize("opt", sorted(OPTS))
def test_lr_find_restores_on_cuda(opt):
    learn = cuda_learner(opt); learn.fit(1)
    assert next(learn.model.parameters()).is_cuda
    torch.cuda.manual_seed(123); torch.rand(3, device="cuda")  # a CUDA random state worth restoring
    before = full_state(learn); lr_find(learn, num_it=30); assert same(full_state(learn), before)

@pytest.mark.parametrize("opt", ["adam", "sgd_mom"])
def test_fit_after_lr_find_on_cuda(opt):
    def run(find):
        learn = cuda_learner(opt, seed=1); learn.fit(1)
        if find: lr_find(learn, num_it=30)
        learn.fit(2); return state(learn)
    assert same(run(True), run(False))

class StopAfter(Callback):
    order = 80
    def after_epoch(self, learn):
        if learn.epoch == 0: raise CancelFitException()

def test_one_cycle_resume_on_cuda(tmp_path):
    full = fit_one_cycle(cuda_learner(), 3, 1e-2)
    fit_one_cycle(cuda_learner(), 3, 1e-2, cbs=[CheckpointCB(tmp_path/"e{epoch}.pt"), StopAfter()])
    resumed = fit_one_cycle(cuda_learner(init_seed=7), 3, 1e-2, resume_from=tmp_path/"e0.pt")
    assert same(state(full)["model"], state(resumed)["model"]) and same(state(full)["opt"], state(resumed)["opt"])
