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
