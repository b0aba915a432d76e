"""Collaborative filtering: bad input fails clearly, unseen ids get the defined fallback (never an index error),
the hand-written bias baseline matches Surprise's, and a short fit on MovieLens beats the global mean."""
import numpy as np
import pandas as pd
import pytest
from conftest import resumes_bitwise
import torch
from coursecompanion.core import set_seed
from coursecompanion.collab import (IdMap, check_ratings, check_pairs, sigmoid_range, BiasBaseline, CollabDataLoaders,
                                    DotProductBias, CollabNN, Recommender, fit_collab, valid_rmse, ranking_metrics,
                                    nearest_items, kfold, rmse, load_ml100k)

def toy_ratings(n_users=30, n_items=40, n=600, seed=0):
    "Ratings from a planted low-rank model, rounded to the 1-5 scale."
    g = np.random.default_rng(seed)
    u, i = g.integers(0, n_users, n) * 7 + 3, g.integers(0, n_items, n) * 11 + 5  # sparse, non-contiguous ids
    su, si = g.normal(size=(n_users, 2)), g.normal(size=(n_items, 2))
    r = np.clip(np.round(3.5 + (su[(u - 3) // 7] * si[(i - 5) // 11]).sum(1)), 1, 5)
    return pd.DataFrame({"user": u, "item": i, "rating": r.astype("float32")}).drop_duplicates(["user", "item"])

def test_idmap_reserves_row_zero_for_unseen_ids():
    m = IdMap([7, 3, 3, 11])
    assert len(m) == 4 and m.encode([3, 7, 11]).tolist() == [1, 2, 3]
    assert m.encode([0, 5, 12, -1]).tolist() == [0, 0, 0, 0]

@pytest.mark.parametrize("change, exc, msg", [
    (lambda d: d.drop(columns="item"), KeyError, "missing ['item']"),
    (lambda d: d.assign(user=d.user.astype(str)), TypeError, "integer ids"),
    (lambda d: d.assign(item=d.item.astype(float)), TypeError, "integer ids"),
    (lambda d: d.assign(rating=d.rating.astype(str)), TypeError, "must be numeric"),
    (lambda d: d.assign(rating=d.rating + 1), ValueError, "outside the scale"),
    (lambda d: d.assign(rating=d.rating.where(d.index > 0)), ValueError, "missing (NaN)")])
def test_bad_rating_tables_fail_with_a_clear_message(change, exc, msg):
    df = toy_ratings()
    check_ratings(df)
    with pytest.raises(exc, match=__import__("re").escape(msg)): check_ratings(change(df))

def test_sigmoid_range_stays_inside():
    y = sigmoid_range(torch.linspace(-50, 50, 101), 0., 5.5)
    assert y.min() >= 0 and y.max() <= 5.5 and torch.all(y[1:] >= y[:-1])

def test_bias_baseline_matches_surprise_baseline_only():
    surprise = pytest.importorskip("surprise")
    df = toy_ratings(n=800)
    ours = BiasBaseline().fit(df)
    ts = surprise.Dataset.load_from_df(df[["user", "item", "rating"]], surprise.Reader(rating_scale=(1, 5))).build_full_trainset()
    algo = surprise.BaselineOnly(bsl_options={"method": "als"}, verbose=False).fit(ts)
    q = pd.DataFrame({"user": [3, 10, 999, 3], "item": [5, 16, 5, 999]})  # seen, seen, new user, new item
    theirs = [algo.predict(u, i).est for u, i in zip(q.user, q.item)]
    np.testing.assert_allclose(np.clip(ours.predict(q), 1, 5), theirs, atol=1e-9)

def trained(model_cls, df, **kw):
    dls = CollabDataLoaders(df, None, bs=64, seed=0)
    set_seed(0)
    learn = fit_collab(model_cls(len(dls.umap), len(dls.imap), **kw), dls, n_epochs=2, lr=1e-2, device="cpu")
    return learn.model, dls

@pytest.mark.parametrize("model_cls", [DotProductBias, CollabNN])
def test_unseen_ids_get_the_bias_fallback_never_an_index_error(model_cls):
    df = toy_ratings()
    model, dls = trained(model_cls, df)
    base = BiasBaseline().fit(df)
    rec = Recommender(model, dls, base)
    q = pd.DataFrame({"user": [3, 10**9, 3, 10**9, -4], "item": [5, 5, 10**9, 10**9, -7]})
    p = rec.predict(q)
    assert p.shape == (5,) and np.isfinite(p).all() and ((1 <= p) & (p <= 5)).all()
    np.testing.assert_allclose(p[1:], np.clip(base.predict(q.iloc[1:]), 1, 5))
    assert p[3] == pytest.approx(np.clip(base.mu, 1, 5)) and p[4] == p[3]
    with pytest.raises(TypeError, match="integer ids"): rec.predict(q.assign(user=q.user.astype(str)))
    with pytest.raises(KeyError, match="missing"): rec.predict(q[["item"]])

def test_unseen_slot_stays_zero_and_min_user_ratings_routes_to_fallback():
    df = toy_ratings()
    model, dls = trained(DotProductBias, df)
    for e in (model.user_factors, model.item_factors, model.user_bias, model.item_bias):
        assert e.weight[0].abs().sum().item() == 0
    base = BiasBaseline().fit(df)
    counts = df.user.value_counts()
    few = counts.index[counts == counts.min()][0]
    q = pd.DataFrame({"user": [few], "item": [df.item[df.user == few].iloc[0]]})
    strict = Recommender(model, dls, base, min_user_ratings=int(counts.min()) + 1).predict(q)
    np.testing.assert_allclose(strict, np.clip(base.predict(q), 1, 5))
    loose = Recommender(model, dls, base).predict(q)
    assert loose[0] != strict[0]

def test_ranking_metrics_by_hand():
    m = ranking_metrics([1, 1, 1, 2, 2, 3], [5, 1, 4, 2, 5, 5], [0.9, 0.1, 0.5, 0.9, 0.1, 0.0], k=2)
    assert m["users"] == 2  # user 3 has fewer than k held-out ratings
    assert m["precision@2"] == pytest.approx(0.75)
    perfect = ranking_metrics([1, 1, 1], [5, 1, 4], [3, 1, 2], k=2)
    assert perfect["nDCG@2"] == pytest.approx(1.0) and perfect["precision@2"] == 1.0

def test_nearest_items_rejects_unseen():
    model, dls = trained(DotProductBias, toy_ratings())
    with pytest.raises(KeyError, match="not seen in training"): nearest_items(model, dls.imap, 10**9)
    nb = nearest_items(model, dls.imap, int(dls.imap.ids[0]), n=3)
    assert len(nb) == 3 and all(i != dls.imap.ids[0] for i, _ in nb)

def test_short_fit_on_movielens_beats_the_global_mean():
    try: ratings, movies = load_ml100k()
    except ModuleNotFoundError: pytest.skip("recbole (MovieLens 100k) is not installed")
    assert ratings.shape == (100_000, 4) and len(movies) == 1682
    f = kfold(len(ratings), 5, seed=0)
    tr, va = ratings[f != 0].iloc[:30_000].reset_index(drop=True), ratings[f == 0].reset_index(drop=True)
    dls = CollabDataLoaders(tr, va, seed=0)
    set_seed(0)
    learn = fit_collab(DotProductBias(len(dls.umap), len(dls.imap)), dls, n_epochs=2, device="cpu")
    pred = Recommender(learn.model, dls, BiasBaseline().fit(tr)).predict(va)
    assert rmse(pred, va.rating) < rmse(np.full(len(va), tr.rating.mean()), va.rating) - 0.1

# Bad input: a clear error naming the argument and what to do, or the right result; never a silent wrong one.
def test_ratings_beyond_the_models_y_range_are_refused_before_training():
    df = toy_ratings().assign(rating=lambda d: d.rating * 2)  # a 2-10 scale
    dls = CollabDataLoaders(df, None, bs=64, seed=0)
    model = DotProductBias(len(dls.umap), len(dls.imap))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=r"y_range is \(0, 5.5\).*y_range=\(1, 10.5\)"):
        fit_collab(model, dls, n_epochs=1, device="cpu")
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())

def test_empty_rating_table_is_a_clear_error():
    with pytest.raises(ValueError, match="no rows"):
        BiasBaseline().fit(toy_ratings().iloc[:0])

def test_predict_on_no_rows_gives_no_predictions():
    df = toy_ratings()
    model, dls = trained(DotProductBias, df)
    empty = pd.DataFrame({"user": pd.Series([], dtype=object), "item": pd.Series([], dtype=object)})
    assert Recommender(model, dls, BiasBaseline().fit(df)).predict(empty).shape == (0,)

def test_recommender_restores_the_models_mode():
    df = toy_ratings()
    model, dls = trained(DotProductBias, df)
    model.train()
    Recommender(model, dls, BiasBaseline().fit(df)).predict(df.iloc[:5])
    assert model.training

def test_rating_range_in_the_wrong_order():
    with pytest.raises(ValueError, match=r"rating_range=\(5, 1\)"):
        check_ratings(toy_ratings(), (5, 1))

def test_idmap_with_no_ids_maps_everything_to_unseen():
    assert IdMap([]).encode([3, 4]).tolist() == [0, 0]

def test_kfold_more_folds_than_rows():
    with pytest.raises(ValueError, match="k=5 folds"):
        kfold(3, 5)

def test_rmse_of_different_lengths():
    with pytest.raises(ValueError, match="same, non-empty shape"):
        rmse([1., 2., 3.], [1.])

def test_ranking_metrics_top_k_zero():
    with pytest.raises(ValueError, match="k=0"):
        ranking_metrics([1, 1], [5, 4], [0.2, 0.1], k=0)

def test_ranking_metrics_lengths_differ():
    with pytest.raises(ValueError, match="lengths 3, 3, 2"):
        ranking_metrics([1, 1, 1], [5, 4, 3], [0.2, 0.1], k=2)

def test_ranking_metrics_no_user_with_k_ratings():
    with pytest.raises(ValueError, match="lower k"):
        ranking_metrics([1, 1, 2], [5, 4, 3], [0.2, 0.1, 0.3], k=10)

def test_nearest_items_negative_n():
    model, dls = trained(DotProductBias, toy_ratings())
    with pytest.raises(ValueError, match="n=-1"):
        nearest_items(model, dls.imap, int(dls.imap.ids[0]), n=-1)

def test_y_range_equal_to_the_scale_is_refused():
    df = toy_ratings()
    dls = CollabDataLoaders(df, None, bs=64, seed=0)
    with pytest.raises(ValueError, match=r"y_range=\(0, 5.5\)"):
        fit_collab(DotProductBias(len(dls.umap), len(dls.imap), y_range=(1, 5)), dls, n_epochs=1, device="cpu")

@pytest.mark.parametrize("y_range", [(5, 0), 5, (0, float("inf"))])
def test_bad_y_range_is_refused_at_construction(y_range):
    with pytest.raises(ValueError, match="y_range="): DotProductBias(10, 10, y_range=y_range)
    with pytest.raises(ValueError, match="y_range="): CollabNN(10, 10, y_range=y_range)

def test_model_tables_smaller_than_the_id_maps():
    dls = CollabDataLoaders(toy_ratings(), None, bs=64, seed=0)
    with pytest.raises(ValueError, match="user table has 5 rows"): fit_collab(DotProductBias(5, 5), dls, n_epochs=1)
    with pytest.raises(ValueError, match="user table has 5 rows"): Recommender(DotProductBias(5, 5), dls, BiasBaseline())

def test_zero_rows_in_a_table():
    with pytest.raises(ValueError, match="n_users=0"): DotProductBias(0, 10)

def test_validation_ratings_are_checked_like_training_ones():
    df = toy_ratings()
    with pytest.raises(TypeError, match="integer ids"): CollabDataLoaders(df, df.assign(user=df.user.astype(str)))
    with pytest.raises(ValueError, match="missing"): CollabDataLoaders(df, df.assign(rating=np.nan))

def test_infinite_rating_is_refused():
    with pytest.raises(ValueError, match="infinite"): BiasBaseline().fit(toy_ratings().assign(rating=np.inf))

def test_bias_baseline_predict_before_fit():
    with pytest.raises(RuntimeError, match="before predict"): BiasBaseline().predict(toy_ratings())

def test_bias_baseline_negative_shrinkage():
    with pytest.raises(ValueError, match="reg_u=-1"): BiasBaseline(reg_u=-1)

def test_recommender_checks_its_arguments():
    df = toy_ratings(); dls = CollabDataLoaders(df, None, bs=64, seed=0)
    m, b = DotProductBias(len(dls.umap), len(dls.imap)), BiasBaseline().fit(df)
    with pytest.raises(ValueError, match="not fitted"): Recommender(m, dls, BiasBaseline())
    with pytest.raises(ValueError, match=r"rating_range=\(5, 1\)"): Recommender(m, dls, b, rating_range=(5, 1))
    with pytest.raises(ValueError, match="min_user_ratings=-1"): Recommender(m, dls, b, min_user_ratings=-1)

def test_valid_rmse_without_validation():
    model, dls = trained(DotProductBias, toy_ratings())
    from coursecompanion.learner import Learner
    learn = Learner(model, dls, torch.nn.functional.mse_loss)
    with pytest.raises(ValueError, match="no validation loss"): valid_rmse(learn)

def test_kfold_float_folds():
    with pytest.raises(TypeError, match="k=2.5"): kfold(10, 2.5)

def test_rmse_of_nan_predictions():
    with pytest.raises(ValueError, match="NaN or infinite"): rmse([np.nan, 1.], [1., 1.])

def test_idmap_of_float_or_text_ids():
    with pytest.raises(TypeError, match="integers"): IdMap([1.0, np.nan])
    with pytest.raises(TypeError, match="integers"): IdMap([1, 2]).encode(["a"])

def test_sigmoid_range_reversed():
    with pytest.raises(ValueError, match="lo=5 must be below hi=0"): sigmoid_range(torch.zeros(1), 5, 0)

def test_nearest_items_with_another_models_map():
    with pytest.raises(ValueError, match="item_factors table of"): nearest_items(DotProductBias(3, 3), IdMap([1, 2, 3, 4]), 1)

def test_fit_collab_resumes_bitwise_from_a_checkpoint(tmp_path):
    df = toy_ratings()
    def run(**kw):
        dls = CollabDataLoaders(df, df.iloc[:60], bs=64, seed=0)
        set_seed(0)
        return fit_collab(DotProductBias(len(dls.umap), len(dls.imap)), dls, n_epochs=3, device="cpu", **kw)
    assert resumes_bitwise(run, tmp_path)

def test_ranking_metrics_of_missing_ratings():
    with pytest.raises(ValueError, match="ratings hold NaN"): ranking_metrics([1, 1], [np.nan, 4.], [0.1, 0.2], k=1)
