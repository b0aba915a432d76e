"Property tests for coursecompanion.universal_approximation: the exact piece computation against the net itself."
import torch
from torch import nn
from hypothesis import given, settings, strategies as st
from coursecompanion.universal_approximation import (relu_interpolant, approx_error, linear_pieces, count_linear_pieces,
                                                     sawtooth, sawtooth_net)

def random_relu_net(seed, widths):
    "A float64 ReLU net 1 -> widths... -> 1 with random weights."
    torch.manual_seed(seed)
    sizes, layers = [1, *widths], []
    for n_in, n_out in zip(sizes, sizes[1:]): layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], 1)).double()

@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 8), min_size=1, max_size=3))
def test_linear_pieces_reproduce_the_net(seed, widths):
    net = random_relu_net(seed, widths)
    knots, slopes, intercepts = linear_pieces(net, -3, 3)
    assert knots[0] == -3 and knots[-1] == 3 and (knots.diff() > 0).all()
    u = torch.rand(len(slopes), 4, dtype=torch.float64)  # four random points inside every piece
    x = knots[:-1, None] + u * knots.diff()[:, None]
    with torch.no_grad(): y = net(x.reshape(-1, 1)).reshape(x.shape)
    torch.testing.assert_close(slopes[:, None] * x + intercepts[:, None], y, rtol=1e-9, atol=1e-9)

@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 30))
def test_shallow_net_has_at_most_one_more_piece_than_units(seed, m):
    assert count_linear_pieces(random_relu_net(seed, [m]), -50, 50) <= m + 1

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=4), st.integers(1, 40))
def test_interpolant_passes_through_its_points(coefs, n):
    f = lambda x: sum(c * x**i for i, c in enumerate(coefs))
    net = relu_interpolant(f, -1, 2, n, dtype=torch.float64)
    xs = torch.linspace(-1, 2, n + 1, dtype=torch.float64)
    with torch.no_grad(): torch.testing.assert_close(net(xs[:, None])[:, 0], f(xs), rtol=1e-9, atol=1e-9)

@settings(max_examples=10, deadline=None)
@given(st.integers(1, 8))
def test_sawtooth_net_is_the_sawtooth(k):
    net = sawtooth_net(k)
    assert count_linear_pieces(net, 0, 1) == 2**k
    assert approx_error(net, lambda x: sawtooth(x, k), 0, 1, n_points=1001) < 1e-6

# Bad input: a clear error naming the argument, or the right result; never a silent wrong one.
import math
import pytest
import torch
from coursecompanion.universal_approximation import (approx_error, count_linear_pieces, relu_interpolant, sawtooth,
                                                      sawtooth_net)

def test_relu_interpolant_refuses_a_fractional_width():
    with pytest.raises(ValueError, match=r"n \(hidden units\) must be a positive integer, got 2.5"):
        relu_interpolant(torch.sin, 0, 1, 2.5)

def test_relu_interpolant_refuses_a_float_width():
    with pytest.raises(ValueError, match="positive integer, got 2.0"): relu_interpolant(torch.sin, 0, 1, 2.0)

def test_relu_interpolant_refuses_an_unbounded_interval():
    with pytest.raises(ValueError, match="must be bounded"): relu_interpolant(torch.sin, 0, math.inf, 3)

def test_approx_error_refuses_an_empty_grid():
    with pytest.raises(ValueError, match="n_points must be an integer of at least 2.*got 0"):
        approx_error(relu_interpolant(torch.sin, 0, 1, 3), torch.sin, 0, 1, n_points=0)

def test_approx_error_refuses_p_zero():
    with pytest.raises(ValueError, match="p must be a number above 0"):
        approx_error(relu_interpolant(torch.sin, 0, 1, 3), torch.sin, 0, 1, p=0)

def test_approx_error_refuses_a_negative_p():
    with pytest.raises(ValueError, match="p must be a number above 0.*got -1"):
        approx_error(relu_interpolant(torch.sin, 0, 1, 3), torch.sin, 0, 1, p=-1)

def test_count_linear_pieces_refuses_a_negative_tolerance():
    with pytest.raises(ValueError, match="rtol and xtol must be at least 0"):
        count_linear_pieces(relu_interpolant(torch.sin, 0, 1, 3), 0, 1, rtol=-1)

def test_sawtooth_refuses_a_negative_depth():
    with pytest.raises(ValueError, match="k .compositions of the tent map. must be an integer >= 0, got -1"):
        sawtooth(torch.tensor([0.3]), -1)

def test_sawtooth_net_refuses_a_float_depth():
    with pytest.raises(ValueError, match="k .the depth. must be a positive integer, got 2.0"): sawtooth_net(2.0)

def test_sawtooth_refuses_points_outside_the_unit_interval():
    with pytest.raises(ValueError, match="defined on \\[0, 1\\]"): sawtooth(torch.tensor([2.0]), 2)

def test_approx_error_refuses_a_model_with_nan_outputs():
    net = relu_interpolant(torch.sin, 0, 1, 3)
    with torch.no_grad(): net[0].weight.fill_(float("nan"))
    with pytest.raises(ValueError, match="not all finite"): approx_error(net, torch.sin, 0, 1)
