"Hooks clean up even on error; CAM and Grad-CAM agree and match pytorch-grad-cam; the scores are right."
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from coursecompanion.heatmaps import (Hook, Hooks, class_activation_map, grad_cam, scale_map, cell_of, cell_mass,
                                      sobel_map, show_cam)
from coursecompanion.multilabel import GridCNN

def n_hooks(model): return sum(len(m._forward_hooks) + len(m._backward_hooks) for m in model.modules())

def test_hook_records_forward_and_backward():
    lin = nn.Linear(3, 2); x = torch.randn(4, 3)
    with Hook(lin, backward=True) as h:
        out = lin(x); (out * torch.tensor([2., 3.])).sum().backward()
    assert torch.equal(h.stored, out.detach()) and torch.equal(h.grad, torch.tensor([[2., 3.]]).expand(4, 2))
    assert n_hooks(lin) == 0

@pytest.mark.parametrize("backward", [False, True])
def test_hooks_removed_even_on_error(backward):
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    with pytest.raises(RuntimeError, match="boom"):
        with Hooks(seq, backward=backward) as hs:
            seq(torch.randn(2, 3)).sum().backward()
            assert n_hooks(seq) == (2 if backward else 1) * 3
            raise RuntimeError("boom")
    assert n_hooks(seq) == 0
    assert all(h.handles == [] for h in hs)

def test_grad_cam_equals_relu_cam_at_the_last_layer():
    torch.manual_seed(0)
    model = GridCNN().eval(); x = torch.randn(6, 1, 56, 56); cls = torch.tensor([0, 1, 2, 3, 4, 9])
    cam = class_activation_map(model.body, model.fc, x, cls)
    with torch.no_grad(): logits = model(x)[torch.arange(6), cls]
    assert torch.allclose(cam.mean((1, 2)) + model.fc.bias[cls].detach(), logits, atol=1e-5)
    gc = grad_cam(model, model.body[-1], x, cls)
    assert torch.allclose(gc * 49, F.relu(cam), atol=1e-5 * cam.abs().max().item())
    assert n_hooks(model) == 0 and all(p.grad is None for p in model.parameters())

def test_matches_pytorch_grad_cam():
    GradCAM = pytest.importorskip("pytorch_grad_cam").GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    torch.manual_seed(1)
    model = GridCNN().eval(); x = torch.randn(4, 1, 56, 56); cls = torch.tensor([3, 7, 0, 5])
    for layer in (model.body[-1], model.body[5]):
        with GradCAM(model=model, target_layers=[layer]) as ref_cam:
            ref = ref_cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in cls])
        assert torch.allclose(scale_map(grad_cam(model, layer, x, cls), 56), torch.from_numpy(ref), atol=1e-5)

def test_scores():
    m = torch.zeros(3, 56, 56); m[0, 40, 5] = 1; m[1, 3, 50] = 2; m[2] = -1
    assert cell_of(m[:2]).tolist() == [2, 1]
    cm = cell_mass(m)
    assert cm[0].tolist() == [0, 0, 1, 0] and cm[2].tolist() == [0.25] * 4
    assert torch.allclose(cell_mass(torch.rand(5, 56, 56)).sum(1), torch.ones(5))
    x = torch.zeros(1, 1, 56, 56); x[..., 30:40, 10:20] = 255
    e = sobel_map(x)
    assert cell_mass(e)[0, 2] == 1 and e.min() >= 0

# Bad input: a clear error naming the argument, or the right result; never a change to the model's state.
def small_model(seed=0):
    torch.manual_seed(seed)
    return GridCNN(widths=(4, 8, 8), n_strided=2), torch.randn(4, 1, 16, 16)

def test_grad_cam_keeps_accumulated_gradients():
    model, x = small_model()
    model(x).sum().backward()
    before = [p.grad.clone() for p in model.parameters()]
    grad_cam(model, model.body[-1], x, torch.tensor([0, 1, 2, 3]))
    assert all(p.grad is not None and torch.equal(p.grad, b) for p, b in zip(model.parameters(), before))

def test_grad_cam_inside_no_grad():
    model, x = small_model()
    cls = torch.tensor([0, 1, 2, 3])
    ref = grad_cam(model, model.body[-1], x, cls)
    with torch.no_grad(): got = grad_cam(model, model.body[-1], x, cls)
    assert torch.equal(got, ref)

def test_grad_cam_on_a_frozen_model():
    model, x = small_model()
    cls = torch.tensor([0, 1, 2, 3])
    ref = grad_cam(model, model.body[-1], x, cls)
    model.requires_grad_(False)
    assert torch.allclose(grad_cam(model, model.body[-1], x, cls), ref)
    assert not any(p.requires_grad for p in model.parameters())

def test_grad_cam_restores_training_mode():
    model, x = small_model()
    model.train()
    grad_cam(model, model.body[-1], x, torch.tensor([0, 1, 2, 3]))
    assert model.training and all(m.training for m in model.modules())

def test_grad_cam_one_class_for_a_batch_is_an_error():
    model, x = small_model()
    with pytest.raises(ValueError, match=r"shape \(1,\) for a batch of 4"):
        grad_cam(model, model.body[-1], x, torch.tensor([3]))

def test_grad_cam_an_int_class_means_every_image():
    model, x = small_model()
    assert torch.equal(grad_cam(model, model.body[-1], x, 3), grad_cam(model, model.body[-1], x, torch.full((4,), 3)))

def test_grad_cam_float_class_is_a_type_error():
    model, x = small_model()
    with pytest.raises(TypeError, match="integer class indices"):
        grad_cam(model, model.body[-1], x, torch.tensor([0., 1., 2., 3.]))

def test_grad_cam_class_out_of_range():
    model, x = small_model()
    with pytest.raises(ValueError, match="out of range for 10 classes"):
        grad_cam(model, model.body[-1], x, torch.tensor([0, 1, 2, 10]))

def test_grad_cam_layer_of_another_model():
    model, x = small_model()
    other, _ = small_model(1)
    with pytest.raises(ValueError, match="layer is not a module of model"):
        grad_cam(model, other.body[-1], x, 0)

def test_grad_cam_image_without_batch_axis():
    model, x = small_model()
    with pytest.raises(TypeError, match=r"x\[None\]"):
        grad_cam(model, model.body[-1], x[0], 0)

def test_cam_keeps_batchnorm_statistics_and_mode():
    model, x = small_model()
    model.train()
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    class_activation_map(model.body, model.fc, x, torch.tensor([0, 1, 2, 3]))
    assert all(torch.equal(v, stats[k]) for k, v in model.state_dict().items())
    assert model.body.training

def test_cam_class_shape_mismatch():
    model, x = small_model()
    with pytest.raises(ValueError, match="one class per image"):
        class_activation_map(model.body, model.fc, x, torch.tensor([0, 1]))

def test_scale_map_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"m\[None\]"):
        scale_map(torch.rand(7, 7))

def test_scale_map_size_must_be_positive():
    with pytest.raises(ValueError, match="size=0"):
        scale_map(torch.rand(2, 7, 7), 0)

def test_cell_mass_odd_size():
    with pytest.raises(ValueError, match="even H and W"):
        cell_mass(torch.rand(2, 7, 7))

def test_cell_of_nan_map():
    m = torch.rand(2, 8, 8); m[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        cell_of(m)

def test_sobel_map_colour_images():
    with pytest.raises(ValueError, match=r"grey images \(n, 1, H, W\)"):
        sobel_map(torch.rand(2, 3, 8, 8))

def test_hooks_given_one_module():
    with pytest.raises(TypeError, match=r"pass \[module\]"):
        Hooks(nn.Linear(3, 2))

def test_hook_given_a_function():
    with pytest.raises(TypeError, match="must be an nn.Module"):
        Hook(lambda x: x)

def test_grad_cam_at_a_layer_without_feature_maps():
    model, x = small_model()
    with pytest.raises(ValueError, match=r"feature maps \(n, k, h, w\)"): grad_cam(model, model.fc, x, 0)

def test_grad_cam_of_a_model_without_class_scores():
    model, x = small_model()
    flat = torch.nn.Sequential(model, torch.nn.Flatten(0))
    with pytest.raises(ValueError, match=r"class scores \(n, classes\)"): grad_cam(flat, model.body[-1], x, 0)

def test_grad_cam_of_nan_images():
    model, x = small_model()
    with pytest.raises(ValueError, match="NaN or inf"): grad_cam(model, model.body[-1], x * float("nan"), 0)

def test_cam_head_that_is_not_linear():
    model, x = small_model()
    with pytest.raises(TypeError, match="nn.Linear"): class_activation_map(model.body, torch.nn.Conv2d(8, 3, 1), x, 0)

def test_cam_head_of_another_width():
    model, x = small_model()
    with pytest.raises(ValueError, match=r"head needs \(n, 5, h, w\)"):
        class_activation_map(model.body, torch.nn.Linear(5, 3), x, 0)

def test_show_cam_of_a_batch():
    import matplotlib; matplotlib.use("Agg")
    with pytest.raises(ValueError, match="one image"): show_cam(torch.rand(4, 1, 8, 8), torch.rand(4, 4))
    with pytest.raises(ValueError, match="one map"): show_cam(torch.rand(1, 8, 8), torch.rand(2, 4, 4))

def test_show_cam_alpha_as_a_percentage():
    import matplotlib; matplotlib.use("Agg")
    with pytest.raises(ValueError, match="alpha=50"): show_cam(torch.rand(8, 8), torch.rand(4, 4), alpha=50)

def test_show_cam_of_a_map_that_requires_grad_and_a_colour_image():
    import matplotlib; matplotlib.use("Agg")
    ax = show_cam(torch.rand(3, 8, 8), torch.rand(4, 4, requires_grad=True))
    assert ax.images[0].get_array().shape == (8, 8, 3)

def test_show_cam_of_a_nan_map():
    import matplotlib; matplotlib.use("Agg")
    with pytest.raises(ValueError, match="NaN"): show_cam(torch.rand(8, 8), torch.full((4, 4), float("nan")))

def test_scale_map_of_nan():
    with pytest.raises(ValueError, match="NaN"): scale_map(torch.full((1, 4, 4), float("nan")))

def test_sobel_map_of_nan():
    with pytest.raises(ValueError, match="NaN"): sobel_map(torch.full((1, 1, 4, 4), float("nan")))

def test_hook_on_a_module_with_a_tuple_output():
    lstm = torch.nn.LSTM(2, 3, batch_first=True)
    with Hook(lstm) as h: lstm(torch.randn(1, 4, 2))
    assert h.stored[0].shape == (1, 4, 3) and h.stored[1][0].shape == (1, 1, 3)

def test_grad_cam_of_images_made_in_inference_mode():
    model, x = small_model()
    with torch.inference_mode(): xi = x.clone()
    assert torch.equal(grad_cam(model, model.body[-1], xi, 0), grad_cam(model, model.body[-1], x, 0))

def test_grad_cam_inside_inference_mode():
    model, x = small_model()
    with torch.inference_mode(), pytest.raises(RuntimeError, match="outside torch.inference_mode"):
        grad_cam(model, model.body[-1], x, 0)
