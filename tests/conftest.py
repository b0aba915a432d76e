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
