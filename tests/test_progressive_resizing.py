"The resize callback feeds each epoch its size; MAC counts match PyTorch's FLOP counter; the network takes any size."
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from coursecompanion.data import DataLoaders
from coursecompanion.learner import Learner, Callback
from coursecompanion.progressive_resizing import (fcn, resize_batch, ProgressiveResizeCB, count_macs, schedule_macs,
                                                  accuracy_at)

def tiny_dls(n=96, size=28):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n, 1, size, size, generator=g) * 255).to(torch.uint8)
    y = torch.randint(0, 10, (n,), generator=g)
    return DataLoaders.from_tensors(x, y, x[:40], torch.zeros(40).long(), bs=32, seed=0)

class ShapeLogCB(Callback):
    "Log the shape the model receives (runs after the resize callback)."
    order = 50
    def before_fit(self, learn): self.log = []
    def after_pred(self, learn): self.log.append((learn.epoch, learn.training, tuple(learn.xb.shape[-2:])))

@pytest.mark.parametrize("sizes,valid_size", [([14, 20, 28], None), ([10, 28], 14), ([28], 20)])
def test_each_epoch_sees_its_size(sizes, valid_size):
    cb, log = ProgressiveResizeCB(sizes, valid_size), ShapeLogCB()
    Learner(fcn(), tiny_dls(), cbs=[cb, log]).fit(4)
    for epoch, training, shape in log.log:
        want = cb.size_at(epoch) if training else (valid_size or 28)
        assert shape == (want, want)
    assert {(e, t) for e, t, _ in log.log} == {(e, t) for e in range(4) for t in (True, False)}
    assert cb.seen[3, "train"] == {(sizes[-1], sizes[-1])}

def test_count_macs_matches_flop_counter():
    m = fcn(widths=(8, 16, 16), n_strided=2)
    for s in (12, 17, 28, 40):
        with FlopCounterMode(display=False) as fc: m(torch.zeros(1, 1, s, s))
        assert 2 * count_macs(m, s) == fc.get_total_flops()
    conv = nn.Conv2d(3, 5, 3, padding=1)
    assert count_macs(conv, 8, n_in=3) == 8 * 8 * 5 * 3 * 9
    assert schedule_macs(m, [12, 12, 28], 7) == 7 * (2 * count_macs(m, 12) + count_macs(m, 28))
    assert sum(len(mod._forward_hooks) for mod in m.modules()) == 0

def test_any_size_and_resize():
    m = fcn()
    for s in (9, 14, 33): assert m(torch.zeros(2, 1, s, s)).shape == (2, 10)
    x = torch.rand(3, 1, 28, 28)
    assert resize_batch(x, 28) is x and resize_batch(x, 14).shape == (3, 1, 14, 14)
    const = torch.full((2, 1, 28, 28), 0.7)
    assert torch.allclose(resize_batch(const, 13), torch.full((2, 1, 13, 13), 0.7))

def test_accuracy_at_counts_hits():
    class Pick(nn.Module):
        "Predict class 1 whenever the mean pixel is positive; records the input size."
        def forward(self, x):
            self.size = x.shape[-1]
            return torch.stack([-x.mean((1, 2, 3)), x.mean((1, 2, 3))], 1)
    x = torch.cat([torch.ones(6, 1, 28, 28), -torch.ones(4, 1, 28, 28)])
    y = torch.tensor([1] * 6 + [1] * 2 + [0] * 2)
    m = Pick()
    assert accuracy_at(m, x, y, 20, bs=3) == pytest.approx(0.8) and m.size == 20

# Bad input: a clear error naming the argument, or the right answer; no state changed that is not ours.
def test_callback_rejects_an_int_for_sizes():
    with pytest.raises(TypeError, match=r"pass \[size\]"): ProgressiveResizeCB(28)

def test_callback_rejects_empty_sizes():
    with pytest.raises(TypeError, match="non-empty"): ProgressiveResizeCB([])

def test_callback_rejects_a_zero_size():
    with pytest.raises(ValueError, match="at least 1 pixel"): ProgressiveResizeCB([0, 28])

def test_callback_rejects_a_bad_valid_size():
    with pytest.raises(ValueError, match="valid_size"): ProgressiveResizeCB([28], valid_size=-1)

def test_callback_rejects_a_percentage_min_scale():
    with pytest.raises(ValueError, match="min_scale"): ProgressiveResizeCB([28], augment=True, min_scale=35)

def test_count_macs_keeps_training_mode():
    m = fcn().train()
    count_macs(m, 28)
    assert m.training and all(mod.training for mod in m.modules())

def test_accuracy_at_keeps_training_mode():
    m = fcn().train()
    accuracy_at(m, torch.rand(8, 1, 28, 28), torch.zeros(8).long(), 14)
    assert m.training

def test_accuracy_at_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same number"):
        accuracy_at(fcn(), torch.rand(8, 1, 28, 28), torch.zeros(5).long(), 14)

def test_resize_batch_needs_a_channel_axis():
    with pytest.raises(ValueError, match="channel axis"): resize_batch(torch.rand(4, 28, 28), 14)

def test_resize_batch_rejects_a_float_size():
    with pytest.raises(TypeError, match="size must be an int"): resize_batch(torch.rand(4, 1, 28, 28), 14.5)

def test_augmented_fits_are_reproducible():
    from coursecompanion.progressive_resizing import random_resized_crop
    x = torch.rand(4, 1, 28, 28)
    a, b = (random_resized_crop(x, 14, generator=torch.Generator().manual_seed(3)) for _ in range(2))
    assert torch.equal(a, b) and a.shape == (4, 1, 14, 14)

def test_macs_to_reach():
    from coursecompanion.progressive_resizing import macs_to_reach
    assert macs_to_reach([10, 20], [0.5, 0.9], 0.7, start=0.1) == pytest.approx(15.0)
    assert macs_to_reach([10, 20], [0.5, 0.9], 0.95) is None
    with pytest.raises(ValueError, match="one value per epoch"): macs_to_reach([10], [0.5, 0.9], 0.7)

def test_macs_to_reach_refuses_a_nan_accuracy():
    from coursecompanion.progressive_resizing import macs_to_reach
    with pytest.raises(ValueError, match="accs hold NaN"): macs_to_reach([1, 2], [float("nan"), 0.5], 0.4)

def test_macs_to_reach_refuses_a_percentage_target():
    from coursecompanion.progressive_resizing import macs_to_reach
    with pytest.raises(ValueError, match="a percentage"): macs_to_reach([1, 2], [0.3, 0.5], 40)

def test_macs_to_reach_needs_cumulative_compute():
    from coursecompanion.progressive_resizing import macs_to_reach
    with pytest.raises(ValueError, match="cumulative"): macs_to_reach([2, 1], [0.3, 0.5], 0.4)

def test_schedule_macs_needs_a_whole_number_of_items():
    from coursecompanion.progressive_resizing import schedule_macs, fcn
    with pytest.raises(TypeError, match="n_items must be an int"): schedule_macs(fcn(), [28], 2.5)

def test_random_resized_crop_of_integer_images_says_to_convert():
    from coursecompanion.progressive_resizing import random_resized_crop
    with pytest.raises(TypeError, match=r"x\.float\(\)"): random_resized_crop(torch.zeros(2, 1, 28, 28, dtype=torch.uint8), 14)
