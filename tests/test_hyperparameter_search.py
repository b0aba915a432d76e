"The random-forest search: expected improvement, the spread across trees, and the searches on a cheap synthetic objective."
import math
import numpy as np
import pytest
from coursecompanion.hyperparameter_search import (grid, encode, random_search, best_so_far, forest_predict,
                                                   expected_improvement, lower_confidence_bound, rf_search)

SPACE = grid(lr=list(np.logspace(-4, 0, 17)), wd=list(np.logspace(-4, 0, 5)), pct_start=[0.1, 0.2, 0.3, 0.4, 0.5])
def bowl(c): return (math.log10(c["lr"]) + 2) ** 2 + 0.1 * (c["pct_start"] - 0.3) ** 2 + 0.01 * math.log10(c["wd"]) ** 2
OPT = min(bowl(c) for c in SPACE)

def test_grid_and_encode():
    assert len(SPACE) == 425 and SPACE[0] == {"lr": 1e-4, "wd": 1e-4, "pct_start": 0.1}
    assert encode([SPACE[0]]).tolist() == [[-4.0, -4.0, 0.1]]

def test_expected_improvement_matches_monte_carlo():
    rng = np.random.default_rng(0)
    for mu, sigma, best in [(0.3, 0.1, 0.25), (0.1, 0.05, 0.2), (0.5, 0.3, 0.1)]:
        mc = np.maximum(best - rng.normal(mu, sigma, 200_000), 0).mean()
        assert expected_improvement([mu], [sigma], best, xi=0.)[0] == pytest.approx(mc, abs=2e-3)
    assert expected_improvement([0.3], [0.], 0.25, xi=0.)[0] == pytest.approx(0., abs=1e-9)  # no doubt, no gain

def test_lcb():
    assert lower_confidence_bound([1., 2.], [0.5, 0.], kappa=2.).tolist() == [0., 2.]

def test_forest_spread_is_the_std_across_trees():
    from sklearn.ensemble import RandomForestRegressor
    X = encode(SPACE[::5]); y = np.array([bowl(c) for c in SPACE[::5]])
    mu, sigma = forest_predict(X[::3], y[::3], X, n_trees=20, seed=1)
    rf = RandomForestRegressor(n_estimators=20, random_state=1).fit(X[::3], y[::3])
    assert mu == pytest.approx(rf.predict(X))
    assert sigma == pytest.approx(np.std([t.predict(X) for t in rf.estimators_], axis=0))

def test_random_search_draws_without_replacement():
    trials = random_search(bowl, SPACE, len(SPACE), seed=3)
    assert len({tuple(c.values()) for c, _ in trials}) == len(SPACE) and best_so_far(trials)[-1] == OPT

def test_rf_search_beats_random_on_a_smooth_bowl():
    # on a smooth objective the surrogate finds the optimum's neighbourhood sooner than random search (5 seeds, medians)
    rf = [best_so_far(rf_search(bowl, SPACE, 15, n_init=5, seed=s, n_trees=10))[-1] - OPT for s in range(5)]
    rnd = [best_so_far(random_search(bowl, SPACE, 15, seed=s))[-1] - OPT for s in range(5)]
    assert np.median(rf) < np.median(rnd) and max(rf) < max(rnd)

@pytest.mark.parametrize("acq", ["EI", "LCB"])
def test_rf_search_never_repeats_a_trial(acq):
    trials = rf_search(bowl, SPACE, 12, n_init=5, acq=acq, seed=0, n_trees=10)
    assert len({tuple(c.values()) for c, _ in trials}) == 12 and trials[:5] == random_search(bowl, SPACE, 5, seed=0)

# bad input and unusual orders: a clear error before any trial runs, or the right result
import torch
from coursecompanion.hyperparameter_search import one_cycle_trial

def counting(objective):
    "`objective`, counting its calls in `.calls`."
    def f(c):
        f.calls += 1
        return objective(c)
    f.calls = 0
    return f

def test_rf_search_more_trials_than_candidates_fails_before_any_trial():
    f = counting(bowl)
    with pytest.raises(ValueError, match=r"n_trials=30 with 12 candidates"): rf_search(f, SPACE[:12], 30, n_trees=5)
    assert f.calls == 0

def test_random_search_more_trials_than_candidates_is_refused():
    with pytest.raises(ValueError, match="n_trials=13"): random_search(bowl, SPACE[:12], 13)

def test_rf_search_float_n_trials_is_refused():
    with pytest.raises(TypeError, match="n_trials=10.0"): rf_search(bowl, SPACE, 10.0)

def test_rf_search_unknown_acquisition_is_refused():
    f = counting(bowl)
    with pytest.raises(ValueError, match="acq='ei'"): rf_search(f, SPACE, 10, acq="ei")
    assert f.calls == 0

def test_rf_search_n_init_zero_is_refused():
    with pytest.raises(ValueError, match="n_init=0"): rf_search(bowl, SPACE, 10, n_init=0)

def test_a_nan_score_names_the_config():
    with pytest.raises(ValueError, match="returned nan"): random_search(lambda c: float("nan"), SPACE, 3)

def test_grid_with_a_scalar_is_refused():
    with pytest.raises(TypeError, match="lr=0.1"): grid(lr=0.1, wd=[0.0])

def test_grid_with_a_string_is_refused():
    with pytest.raises(TypeError, match="opt='adam'"): grid(opt="adam")

def test_grid_with_an_empty_list_is_refused():
    with pytest.raises(ValueError, match="wd=\\[\\]"): grid(lr=[0.1], wd=[])

def test_encode_zero_in_a_log_dimension_is_refused():
    with pytest.raises(ValueError, match="wd=0"): encode([{"lr": 1e-3, "wd": 0}])

def test_encode_configs_with_other_keys_are_refused():
    with pytest.raises(ValueError, match="same keys"): encode([{"lr": 1e-3}, {"wd": 1e-3}])

def test_encode_empty_is_refused():
    with pytest.raises(ValueError, match="empty"): encode([])

def test_encode_log_as_a_string_is_refused():
    with pytest.raises(TypeError, match="log='lr'"): encode([{"lr": 1e-3}], log="lr")

def test_expected_improvement_negative_sigma_is_refused():
    with pytest.raises(ValueError, match="sigma"): expected_improvement([0.3, 0.2], [0.1, -0.1], 0.25)

def test_expected_improvement_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="one shape"): expected_improvement([0.3, 0.2], [0.1], 0.25)

def test_lcb_negative_kappa_is_refused():
    with pytest.raises(ValueError, match="kappa=-1"): lower_confidence_bound([0.3], [0.1], kappa=-1)

def test_forest_predict_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="one row per score"): forest_predict(np.zeros((4, 2)), [1, 2, 3], np.zeros((2, 2)))

def test_forest_predict_wrong_columns_are_refused():
    with pytest.raises(ValueError, match="2 columns"): forest_predict(np.zeros((4, 2)), [1, 2, 3, 4], np.zeros((2, 3)))

DATA = (torch.randn(40, 8, 8), torch.randint(0, 10, (40,)), torch.randn(20, 8, 8), torch.randint(0, 10, (20,)))

def test_one_cycle_trial_missing_key_is_refused():
    with pytest.raises(ValueError, match=r"\['bs'\]"): one_cycle_trial({"lr": 1e-2, "wd": 0., "pct_start": 0.25}, DATA)

def test_a_nan_score_keeps_the_trials_that_ran_before_it():
    from coursecompanion.hyperparameter_search import TrialFailed
    for search in (random_search, lambda f, cs, n: rf_search(f, cs, n, n_init=3, n_trees=5)):
        calls = []
        def f(c):
            calls.append(c)
            return float("nan") if len(calls) == 6 else bowl(c)
        with pytest.raises(TrialFailed, match="after 5 trials") as e: search(f, SPACE, 10)
        assert [c for c, _ in e.value.trials] == calls[:5] and [s for _, s in e.value.trials] == [bowl(c) for c in calls[:5]]

def test_an_infinite_score_is_a_trial_failure_too():
    from coursecompanion.hyperparameter_search import TrialFailed
    with pytest.raises(TrialFailed, match="returned inf") as e: random_search(lambda c: float("inf"), SPACE, 3)
    assert e.value.trials == [] and isinstance(e.value, ValueError)

def test_a_nan_prediction_is_refused_by_the_acquisitions():
    for f in (lambda: expected_improvement([float("nan")], [0.1], 0.2), lambda: lower_confidence_bound([float("nan")], [0.1])):
        with pytest.raises(ValueError, match="mu holds NaN"): f()

def test_forest_predict_names_a_nan_score():
    with pytest.raises(ValueError, match="forest_predict: y holds NaN"): forest_predict([[1.], [2.]], [1., float("nan")], [[1.5]])
