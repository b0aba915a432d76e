"Shared test settings."
import pytest, torch

@pytest.fixture(autouse=True)
def ieee_subnormals():
    """Some tests call `setup_cpu()`, which flushes subnormal floats to zero for the whole process.
    hypothesis refuses to draw floats in that state, so every test starts and ends with IEEE behaviour."""
    torch.set_flush_denormal(False)
    yield
    torch.set_flush_denormal(False)

@pytest.fixture
def one_thread():
    "Tiny tensors: one thread is fastest, and far faster than two on a busy 2-core machine. Use with `usefixtures`."
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def resumes_bitwise(run, folder) -> bool:
    """`run(**fit_kwargs)` returns a learner: a fit stopped after epoch 1 by a callback, with a `CheckpointCB`, then
    resumed from epoch 1's checkpoint, ends with bitwise the weights of one uninterrupted fit."""
    from coursecompanion.checkpoint import CheckpointCB
    from coursecompanion.learner import Callback, CancelFitException
    class Stop(Callback):
        def after_epoch(self, learn):
            if learn.epoch == 1: raise CancelFitException()
    ref = run()
    run(cbs=[CheckpointCB(folder/"ep{epoch}.pth"), Stop()])
    got = run(resume_from=folder/"ep1.pth")
    return all(torch.equal(a, b) for a, b in zip(ref.model.state_dict().values(), got.model.state_dict().values()))
