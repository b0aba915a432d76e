"MixedPrecisionCB, the loss scalers and overflow handling; CUDA tests run only where a GPU is present."
import warnings
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from coursecompanion.core import set_seed
from coursecompanion.data import fashion_dls
from coursecompanion.learner import Callback, Learner, MetricsCB, accuracy, save_checkpoint
from coursecompanion.mixed_precision import MixedPrecisionCB, SimulatedGradScaler, amp_plan, fp16_fate

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

@pytest.fixture(scope="module")
def dls(): return fashion_dls(n_train=3_000, n_valid=1_000, bs=128, flatten=True)

def mlp(): return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

def sgd(p, lr): return torch.optim.SGD(p, lr=lr, momentum=0.9)

def scaler_run(scaler, bad):
    set_seed(0); model = nn.Linear(6, 3); opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(40, 6), torch.randn(40, 3); out = []
    for i in range(10):
        scaler.scale(F.mse_loss(model(x[i*4:i*4+4]), y[i*4:i*4+4])).backward()
        if i in bad: model.bias.grad[1] = bad[i]
        scaler.step(opt); scaler.update(); opt.zero_grad(); out.append(scaler.get_scale())
    return out, model.weight.detach().clone()

def test_simulated_scaler_matches_torch_gradscaler():
    bad = {2: float("inf"), 3: float("-inf"), 7: float("nan")}
    (s1, w1), (s2, w2) = scaler_run(SimulatedGradScaler(256, growth_interval=3), bad), scaler_run(torch.amp.GradScaler("cpu", 256, growth_interval=3), bad)
    assert s1 == s2 and torch.allclose(w1, w2, atol=1e-7)
    assert s1[2] == 128 and s1[3] == 64                       # halved at each overflow

class Inject(Callback):
    def __init__(self, at): self.at, self.log = at, {}
    def after_backward(self, learn):
        self.w, self.s = [p.detach().clone() for p in learn.model.parameters()], learn.grad_scaler.get_scale()
        if learn.train_iter in self.at: next(learn.model.parameters()).grad.view(-1)[0] = self.at[learn.train_iter]
    def after_step(self, learn):
        moved = any(not torch.equal(a, b) for a, b in zip(self.w, learn.model.parameters()))
        self.log[learn.train_iter] = (self.s, learn.grad_scaler.get_scale(), moved)

@pytest.mark.parametrize("make", [SimulatedGradScaler, lambda: torch.amp.GradScaler("cpu")])
def test_overflow_skips_step_and_keeps_weights(dls, make):
    set_seed(0); learn = Learner(mlp(), dls, lr=0.05, opt_func=sgd, cbs=[MetricsCB(accuracy)], device="cpu")
    learn.grad_scaler = make(); inj = Inject({3: float("inf"), 6: float("nan")})
    learn.fit(1, cbs=[inj])
    for i in (3, 6): assert inj.log[i][2] is False and inj.log[i][1] == inj.log[i][0] / 2
    assert all(m for i, (_, _, m) in inj.log.items() if i not in (3, 6))
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())

def test_bf16_on_cpu_matches_fp32_accuracy(dls):
    accs = {}
    for name, cbs in (("fp32", []), ("bf16", [MixedPrecisionCB()])):
        set_seed(0); learn = Learner(mlp(), dls, lr=0.05, opt_func=sgd, cbs=[MetricsCB(accuracy), *cbs], device="cpu")
        learn.fit(2); accs[name] = learn.recorder.values[-1]["accuracy"]
        assert all(p.dtype == torch.float32 for p in learn.model.parameters())
        assert learn.grad_scaler is None and not torch.is_autocast_enabled("cpu")
    # 0.02: measured on an AMD EPYC (AVX2), seeds 0-4 on this task: float32 accuracies spread over 0.032 between seeds,
    # bfloat16 - float32 at the same seed was within 0.005; so 0.02 is below seed noise and 4x the largest gap seen
    assert accs["fp32"] > 0.75 and abs(accs["fp32"] - accs["bf16"]) < 0.02, accs

def test_float16_without_cuda_warns(dls):
    with pytest.warns(UserWarning, match="needs a CUDA GPU.*running bfloat16"):
        Learner(mlp(), dls, cbs=[MixedPrecisionCB(torch.float16)], device="cpu").fit(1, train=False)
    with pytest.warns(UserWarning, match="does not support it: training in float16"):
        assert amp_plan("cuda", torch.bfloat16, bf16_supported=False) == (torch.float16, True)
    with pytest.raises(ValueError, match="float16 or torch.bfloat16"): amp_plan("cpu", torch.float32)

def test_fp16_fate_counts():
    assert fp16_fate(torch.tensor([1e-10, 1e-5, 3.0, 1e6])) == {"zero": 1, "subnormal": 1, "normal": 1, "inf": 1}

class DtypeSpy(Callback):
    order = 60
    def after_loss(self, learn): self.preds = learn.preds.dtype
    def after_step(self, learn): self.grads = {p.grad.dtype for p in learn.model.parameters()}

@cuda
@pytest.mark.parametrize("dtype", [None, torch.float16, torch.bfloat16])
def test_cuda_mixed_precision(dls, dtype, tmp_path):
    set_seed(0); spy, mp = DtypeSpy(), MixedPrecisionCB(dtype)
    learn = Learner(mlp(), dls, lr=0.05, opt_func=sgd, cbs=[MetricsCB(accuracy), mp, spy], device="cuda")
    learn.fit(2)
    expected = dtype or torch.float16
    assert spy.preds == expected and spy.grads == {torch.float32}
    assert (mp.scaler is not None) == (expected == torch.float16)
    assert learn.recorder.values[-1]["accuracy"] > 0.75
    if mp.scaler is not None:
        save_checkpoint(learn, tmp_path/"ck.pth")
        state = torch.load(tmp_path/"ck.pth", weights_only=True)
        assert state["callbacks"]["MixedPrecisionCB"]["scaler"]["scale"] == mp.scaler.get_scale()

@cuda
def test_cuda_gradscaler_skips_overflow(dls):
    set_seed(0); learn = Learner(mlp(), dls, lr=0.05, opt_func=sgd, cbs=[MixedPrecisionCB(torch.float16)], device="cuda")
    inj = Inject({4: float("inf")}); learn.fit(1, cbs=[inj])
    assert inj.log[4][2] is False and inj.log[4][1] == inj.log[4][0] / 2

# Bad input: a clear error naming the argument, raised before anything changes.
@pytest.mark.parametrize("kw,name", [(dict(init_scale=0), "init_scale"), (dict(growth_factor=0.5), "growth_factor"),
                                     (dict(backoff_factor=2.0), "backoff_factor"),
                                     (dict(growth_interval=0), "growth_interval")])
def test_simulated_scaler_rejects_bad_settings(kw, name):
    with pytest.raises(ValueError, match=name): SimulatedGradScaler(**kw)

def test_simulated_scaler_rejects_a_foreign_state_dict():
    s = SimulatedGradScaler(init_scale=8.0)
    with pytest.raises(ValueError, match="missing"): s.load_state_dict({"scale": 4.0})
    assert s.get_scale() == 8.0

def test_callback_rejects_a_dtype_string_at_once():
    with pytest.raises(ValueError, match="dtype"): MixedPrecisionCB("bf16")

def test_subprocess_run_rejects_an_unknown_dtype():
    from coursecompanion.mixed_precision import train_precision_subprocess
    with pytest.raises(ValueError, match="dtype"): train_precision_subprocess("fp16")

def test_fp16_fate_rejects_a_zero_scale():
    with pytest.raises(ValueError, match="scale"): fp16_fate(torch.tensor([1e-6, 1.0]), scale=0)

def test_fp16_fate_rejects_a_list():
    with pytest.raises(TypeError, match="torch.Tensor"): fp16_fate([1e-6, 1.0])

def test_cpu_float16_runs_float16_with_a_scaler_when_asked():
    import warnings
    from coursecompanion.mixed_precision import amp_plan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert amp_plan("cpu", torch.float16, native_cpu_bf16=True, cpu_float16=True) == (torch.float16, True)

def test_cpu_float16_must_be_a_bool():
    from coursecompanion.mixed_precision import MixedPrecisionCB
    with pytest.raises(TypeError, match="cpu_float16 must be True or False"): MixedPrecisionCB(torch.float16, cpu_float16="yes")

def test_cpu_float16_trains_in_float16_through_the_learner():
    from coursecompanion.data import DataLoaders
    from coursecompanion.learner import Learner, Callback
    from coursecompanion.mixed_precision import MixedPrecisionCB
    class Spy(Callback):
        order = 60
        def after_loss(self, learn): self.dtype, self.scaler = learn.preds.dtype, learn.grad_scaler
    torch.manual_seed(0)
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    spy = Spy()
    learn = Learner(torch.nn.Linear(8, 2), DataLoaders.from_tensors(x, y, x, y, bs=16), cbs=[MixedPrecisionCB(torch.float16, cpu_float16=True), spy])
    learn.fit(1)
    assert spy.dtype == torch.float16 and isinstance(spy.scaler, torch.amp.GradScaler) and learn.grad_scaler is None

def test_fp16_fate_refuses_nan_gradients():
    with pytest.raises(ValueError, match="NaN or infinite"): fp16_fate(torch.tensor([float("nan"), 1.0]))

def test_peak_memory_names_an_unknown_device():
    from coursecompanion.mixed_precision import PeakMemory
    with pytest.raises(ValueError, match="not 'mps'"): PeakMemory("mps")
