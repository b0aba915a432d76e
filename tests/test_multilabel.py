"The multi-label grid is deterministic and correct; the hand-written metrics match scikit-learn."
import pytest
import torch
from hypothesis import given, settings, strategies as st
from sklearn import metrics as skm
from coursecompanion.data import load_mnist_5k
from coursecompanion.multilabel import (make_grid, GridCNN, accuracy_multi, all_negative_accuracy, label_counts,
                                        precision_recall, fbeta, average_precision, mean_average_precision,
                                        best_threshold, soft_target_ce)

@pytest.fixture(scope="module")
def pool():
    x, y = load_mnist_5k(seed=0)
    return x[:500], y[:500]

def test_grid_is_a_function_of_its_seed(pool):
    a, b, c = make_grid(*pool, 50, seed=3), make_grid(*pool, 50, seed=3), make_grid(*pool, 50, seed=4)
    for u, v in zip(a, b): assert torch.equal(u, v)
    assert not torch.equal(a.x, c.x)

@pytest.mark.parametrize("max_digits", [1, 3, 4])
def test_grid_contents_match_targets(pool, max_digits):
    x, y = pool
    g = make_grid(x, y, 60, seed=1, max_digits=max_digits)
    assert g.x.shape == (60, 1, 56, 56) and g.x.dtype == torch.uint8 and g.y.shape == (60, 10)
    n = (g.cells >= 0).sum(1)
    assert n.min() >= 1 and n.max() <= max_digits
    for i in range(60):
        for p in range(4):
            cell = g.x[i, 0, 28*(p//2):28*(p//2)+28, 28*(p%2):28*(p%2)+28]
            if g.cells[i, p] < 0: assert g.src[i, p] == -1 and cell.sum() == 0
            else: assert torch.equal(cell, x[g.src[i, p]]) and y[g.src[i, p]] == g.cells[i, p]
        present = g.cells[i][g.cells[i] >= 0]
        assert len(set(present.tolist())) == len(present)  # distinct classes
        assert torch.equal(torch.nonzero(g.y[i])[:, 0], present.sort().values)

def test_grid_rejects_too_many_digits(pool):
    with pytest.raises(ValueError, match="1 to 4"): make_grid(*pool, 5, max_digits=5)

def test_model_shapes():
    m = GridCNN()
    assert m(torch.zeros(3, 1, 56, 56)).shape == (3, 10) and m.body(torch.zeros(1, 1, 56, 56)).shape == (1, 64, 7, 7)

def random_case(seed, n=64, labels=6):
    g = torch.Generator().manual_seed(seed)
    t = (torch.rand(n, labels, generator=g) < 0.3).float()
    p = (0.5 * t + 0.7 * torch.rand(n, labels, generator=g)).clamp(max=1)
    return p, t

@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), th=st.floats(0.05, 0.95), beta=st.sampled_from([0.5, 1., 2.]))
def test_metrics_match_sklearn(seed, th, beta):
    p, t = random_case(seed)
    pred = p > th
    assert accuracy_multi(p, t, th).item() == pytest.approx(1 - skm.hamming_loss(t, pred), abs=1e-6)
    pr, rc = precision_recall(pred, t)
    assert pr.tolist() == pytest.approx(skm.precision_score(t, pred, average=None, zero_division=0).tolist(), abs=1e-6)
    assert rc.tolist() == pytest.approx(skm.recall_score(t, pred, average=None, zero_division=0).tolist(), abs=1e-6)
    for avg in ("micro", "macro"):
        want = skm.fbeta_score(t, pred, beta=beta, average=avg, zero_division=0)
        assert fbeta(pred, t, beta, avg).item() == pytest.approx(want, abs=1e-6)

@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), levels=st.integers(2, 6))
def test_average_precision_with_ties_matches_sklearn(seed, levels):
    p, t = random_case(seed)
    p = (p * levels).round() / levels  # many tied scores
    t[0] = 1  # every label has a positive
    assert mean_average_precision(p, t).item() == pytest.approx(skm.average_precision_score(t, p), abs=1e-6)
    want = skm.average_precision_score(t[:, 0], p[:, 0])
    assert average_precision(p[:, 0], t[:, 0]).item() == pytest.approx(want, abs=1e-6)

def test_baselines_and_losses():
    t = torch.tensor([[1., 0, 0, 0], [0, 1, 1, 0]])
    assert all_negative_accuracy(t).item() == pytest.approx(5 / 8)
    assert accuracy_multi(torch.full((2, 4), -10.), t, sigmoid=True).item() == pytest.approx(5 / 8)
    tp, fp, fn = label_counts(torch.tensor([[True, True, False, False]] * 2), t)
    assert tp.tolist() == [1, 1, 0, 0] and fp.tolist() == [1, 1, 0, 0] and fn.tolist() == [0, 0, 1, 0]
    z = torch.randn(2, 4)
    want = -(torch.log_softmax(z, 1) * torch.tensor([[1., 0, 0, 0], [0, .5, .5, 0]])).sum(1).mean()
    assert soft_target_ce(z, t).item() == pytest.approx(want.item(), abs=1e-6)
    with pytest.raises(ValueError, match="average"): fbeta(t.bool(), t, average="weighted")

def test_best_threshold():
    p, t = torch.tensor([[0.9, 0.1], [0.3, 0.6], [0.2, 0.7]]), torch.tensor([[1., 0], [1, 1], [0, 1]])
    assert best_threshold(p, t, grid=[0.1, 0.25, 0.5]) == 0.25
    assert best_threshold(p, t, grid=[0.1, 0.25, 0.5], per_label=True).tolist() == pytest.approx([0.25, 0.1])

# Bad input: a clear error naming the argument, or the right answer.
def test_accuracy_multi_rejects_a_percentage_threshold():
    p, t = torch.full((4, 3), 0.7), torch.ones(4, 3)
    with pytest.raises(ValueError, match="percentage"): accuracy_multi(p, t, thresh=50)

def test_accuracy_multi_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same"): accuracy_multi(torch.rand(4, 3), torch.ones(4, 5))

def test_accuracy_multi_rejects_logits_without_sigmoid():
    with pytest.raises(ValueError, match="sigmoid=True"): accuracy_multi(torch.randn(8, 3) * 5, torch.ones(8, 3))

def test_fbeta_rejects_probabilities():
    with pytest.raises(ValueError, match="threshold the probabilities"): fbeta(torch.rand(6, 3), torch.ones(6, 3))

def test_fbeta_rejects_a_nonpositive_beta():
    with pytest.raises(ValueError, match="beta"): fbeta(torch.ones(6, 3).bool(), torch.ones(6, 3), beta=0)

def test_best_threshold_rejects_a_percentage_grid():
    with pytest.raises(ValueError, match="grid"): best_threshold(torch.rand(6, 3), torch.ones(6, 3), grid=[10, 50, 90])

def test_make_grid_needs_every_class_in_the_pool(pool):
    x, y = pool
    keep = y != 7
    with pytest.raises(ValueError, match=r"class\(es\) \[7\]"): make_grid(x[keep], y[keep], 10)

def test_make_grid_rejects_mismatched_pool(pool):
    x, y = pool
    with pytest.raises(ValueError, match="one label per digit"): make_grid(x, y[:10], 10)

def test_average_precision_without_positives_is_an_error():
    with pytest.raises(ValueError, match="no positive"): average_precision(torch.rand(5), torch.zeros(5))

def test_soft_target_ce_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same"): soft_target_ce(torch.randn(4, 10), torch.ones(4, 9))

def test_mean_average_precision_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same"): mean_average_precision(torch.rand(4, 3), torch.ones(3, 3))

def test_nan_probabilities_are_refused_not_scored():
    from coursecompanion.multilabel import accuracy_multi, best_threshold, mean_average_precision
    p, t = torch.full((4, 3), float("nan")), torch.eye(4, 3)
    for f in (accuracy_multi, best_threshold, mean_average_precision):
        with pytest.raises(ValueError, match="NaN or infinite"): f(p, t)

def test_empty_inputs_are_refused():
    from coursecompanion.multilabel import accuracy_multi
    with pytest.raises(ValueError, match="empty"): accuracy_multi(torch.zeros(0, 3), torch.zeros(0, 3))

def test_targets_must_be_multi_hot():
    from coursecompanion.multilabel import mean_average_precision, average_precision
    p = torch.rand(6, 2)
    with pytest.raises(ValueError, match="multi-hot"): mean_average_precision(p, torch.ones(6, 2) * 2)
    with pytest.raises(ValueError, match="multi-hot"): average_precision(p[:, 0], torch.tensor([0, 1, 2, 0, 1, 0.]))

def test_softmax_target_needs_a_label_in_every_row():
    from coursecompanion.multilabel import soft_target_ce
    with pytest.raises(ValueError, match="1 rows have no label"):
        soft_target_ce(torch.randn(2, 3), torch.tensor([[1., 0, 0], [0, 0, 0]]))
