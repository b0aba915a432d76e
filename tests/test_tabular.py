"""Tabular preprocessing is fitted on training rows only and travels with the model: unseen and missing values get
defined codes, bad input fails clearly, a saved model predicts bitwise the same; the combining layers are checked."""
import numpy as np
import pandas as pd
import pytest
from conftest import resumes_bitwise
import torch
from coursecompanion.core import set_seed
from coursecompanion.tabular import (vocab_of, TabularProc, emb_sz_rule, tabular_dls, ConcatMLP, TokenAttention, DeepFM,
                                     Tokens, fm_cross, fit_tabular, save_tabular, load_tabular, load_diamonds,
                                     CAT_NAMES, CONT_NAMES)

def frame(n=300, seed=0):
    g = np.random.default_rng(seed)
    size = pd.Categorical(g.choice(["S", "M", "L"], n), categories=["XS", "S", "M", "L"], ordered=True)  # XS unused
    df = pd.DataFrame({"size": size, "shop": g.choice(["a", "b", "c"], n), "w": g.normal(10, 2, n), "h": g.normal(0, 1, n)})
    df.loc[g.random(n) < 0.1, "w"] = np.nan
    df["y"] = df.w.fillna(10) * df["size"].cat.codes + df.h + (df.shop == "b") * 3
    return df

def test_vocab_drops_unused_categories_and_keeps_their_order():
    assert vocab_of(frame()["size"]) == ["S", "M", "L"]
    assert vocab_of(pd.Series([3, 1, None, 3])) == [1.0, 3.0]

def test_proc_is_fitted_on_training_rows_only():
    tr, va = frame(), frame(seed=1)
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(tr)
    assert p.na_names == ["w_na"] and p.all_cats == ["size", "shop", "w_na"]
    assert p.medians["w"] == pytest.approx(tr.w.median())
    c, x = p.transform(tr)
    np.testing.assert_allclose(x.mean(0).numpy(), 0, atol=1e-5)
    va.loc[0, "shop"], va.loc[1, "size"], va.loc[2, "w"] = "zzz", np.nan, np.nan
    c, x = p.transform(va)
    assert c[0, 1] == 0 and c[1, 0] == 0          # unseen and missing categories -> unknown code
    assert c[2, 2] == 2 and x[2, 0].item() == pytest.approx((p.medians["w"] - p.means["w"]) / p.stds["w"], rel=1e-6)
    assert p.emb_szs() == [(4, emb_sz_rule(4)), (4, emb_sz_rule(4)), (3, emb_sz_rule(3))]  # counted on the training rows

def test_codes_follow_values_not_pandas_codes():
    tr = frame(); p = TabularProc(["size", "shop"], ["w", "h"]).fit(tr)
    flipped = tr.assign(size=tr["size"].cat.reorder_categories(["L", "M", "S", "XS"]))
    as_str = tr.assign(size=tr["size"].astype(str))
    assert torch.equal(p.transform(flipped)[0], p.transform(tr)[0]) and torch.equal(p.transform(as_str)[0], p.transform(tr)[0])

@pytest.mark.parametrize("change, exc, msg", [(lambda d: d.drop(columns="h"), KeyError, "missing columns"),
                                              (lambda d: d.drop(columns="size"), KeyError, "missing columns"),
                                              (lambda d: d.assign(w=d.w.astype(str)), TypeError, "must be numeric")])
def test_bad_input_fails_clearly(change, exc, msg):
    p = TabularProc(["size", "shop"], ["w", "h"]).fit(frame())
    with pytest.raises(exc, match=msg): p.transform(change(frame()))

def test_emb_sz_rule():
    assert [emb_sz_rule(n) for n in (2, 6, 9, 100, 10**6)] == [2, 4, 5, 21, 600]

def test_fm_cross_is_the_sum_of_pairwise_dot_products():
    t = torch.randn(3, 6, 4)
    pairs = sum((t[:, i] * t[:, j]).sum(1) for i in range(6) for j in range(i + 1, 6))
    torch.testing.assert_close(fm_cross(t)[:, 0], pairs, rtol=1e-5, atol=1e-5)
    assert Tokens([(4, 2), (5, 2)], 3, d=8)(torch.zeros(2, 2, dtype=torch.long), torch.ones(2, 3)).shape == (2, 5, 8)

@pytest.mark.parametrize("cls", [ConcatMLP, TokenAttention, DeepFM])
def test_saved_model_predicts_new_rows_bitwise(tmp_path, cls):
    tr, new = frame(), frame(20, seed=5)
    new.loc[0, "shop"], new.loc[1, "w"] = "never seen", np.nan
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(tr)
    set_seed(0)
    learn = fit_tabular(cls(p.emb_szs(), 2), tabular_dls(p, tr, frame(50, seed=2), bs=64), n_epochs=2, device="cpu")
    save_tabular(tmp_path/"m.pt", learn.model, p)
    model2, p2 = load_tabular(tmp_path/"m.pt")
    a, b = p.predict(learn.model, new), p2.predict(model2, new)
    assert np.isfinite(a).all() and np.array_equal(a, b)
    assert p2.state() == p.state()

def test_embedding_net_beats_the_mean_on_diamonds():
    df = load_diamonds().sample(3000, random_state=0)
    tr, va = df.iloc[:2000], df.iloc[2000:]
    p = TabularProc(CAT_NAMES, CONT_NAMES, "log_price").fit(tr)
    set_seed(0)
    learn = fit_tabular(ConcatMLP(p.emb_szs(), len(CONT_NAMES)), tabular_dls(p, tr, va), n_epochs=4, device="cpu")
    err = np.sqrt(np.mean((p.predict(learn.model, va) - va.log_price.to_numpy()) ** 2))
    assert err < 0.5 * va.log_price.std()

# Bad input: a clear error naming the column and what to do, or the right result; never a silent wrong one.
def test_infinite_value_at_predict_time_is_an_error():
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    va = frame(20, seed=1); va.loc[3, "h"] = np.inf
    with pytest.raises(ValueError, match="column 'h' holds 1 infinite"):
        p.transform(va)

def test_infinite_value_in_training_rows_is_an_error():
    tr = frame(); tr.loc[0, "w"] = -np.inf
    with pytest.raises(ValueError, match="column 'w'"):
        TabularProc(["size"], ["w"], "y").fit(tr)

def test_codes_read_as_text_are_an_error():
    tr = pd.DataFrame({"grade": [1, 2, 3, 2], "w": [1., 2., 3., 4.]})
    p = TabularProc(["grade"], ["w"]).fit(tr)
    with pytest.raises(TypeError, match="column 'grade' holds str values"):
        p.transform(tr.assign(grade=tr.grade.astype(str)))

def test_continuous_column_with_no_value_in_training_is_an_error():
    tr = frame().assign(h=np.nan)
    with pytest.raises(ValueError, match=r"columns \['h'\] have no value"):
        TabularProc(["size"], ["w", "h"]).fit(tr)

def test_constants_are_tuples_and_survive_a_caller_that_appends():
    assert isinstance(CAT_NAMES, tuple) and isinstance(CONT_NAMES, tuple)
    p = TabularProc(CAT_NAMES, CONT_NAMES)
    p.cat_names.append("cut_na")
    assert CAT_NAMES == ("cut", "color", "clarity")

def test_a_single_string_of_names_is_an_error():
    with pytest.raises(TypeError, match=r"cat_names='size' is one string"):
        TabularProc("size", ["w"])

def test_transform_before_fit_is_an_error():
    with pytest.raises(RuntimeError, match="call fit"):
        TabularProc(["size"], ["w"]).transform(frame())

def test_empty_training_rows_are_an_error():
    with pytest.raises(ValueError, match="no rows"):
        TabularProc(["size"], ["w"], "y").fit(frame().iloc[:0])

def test_missing_target_in_training_rows_is_an_error():
    tr = frame(); tr.loc[4, "y"] = np.nan
    with pytest.raises(ValueError, match="target 'y' is missing"):
        TabularProc(["size"], ["w"], "y").fit(tr)

def test_predict_restores_the_models_mode():
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    model = ConcatMLP(p.emb_szs(), 2).train()
    p.predict(model, frame(10, seed=3))
    assert model.training

def test_emb_sz_rule_rejects_no_codes():
    with pytest.raises(ValueError, match="n_cat=0"):
        emb_sz_rule(0)

def test_save_tabular_refuses_an_unfitted_preprocessing(tmp_path):
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    with pytest.raises(ValueError, match="proc is not fitted"):
        save_tabular(tmp_path/"m.pt", ConcatMLP(p.emb_szs(), 2), TabularProc(["size"], ["w"]))
    assert not (tmp_path/"m.pt").exists()

def test_save_tabular_refuses_a_model_it_cannot_rebuild(tmp_path):
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    with pytest.raises(TypeError, match="model must be one of"):
        save_tabular(tmp_path/"m.pt", torch.nn.Linear(4, 1), p)

def test_load_tabular_of_a_bare_state_dict(tmp_path):
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    torch.save(ConcatMLP(p.emb_szs(), 2).state_dict(), tmp_path/"sd.pt")
    with pytest.raises(ValueError, match="not written by save_tabular"):
        load_tabular(tmp_path/"sd.pt")

def test_model_registry_is_read_only():
    from coursecompanion.tabular import TABULAR_MODELS
    with pytest.raises(TypeError): TABULAR_MODELS["Mine"] = ConcatMLP
    assert list(TABULAR_MODELS) == ["ConcatMLP", "TokenAttention", "DeepFM"]

def test_a_column_in_two_roles_is_an_error():
    with pytest.raises(ValueError, match=r"\['w'\] are listed twice"): TabularProc(["w"], ["w", "h"])
    with pytest.raises(ValueError, match=r"\['y'\] are listed twice"): TabularProc(["size"], ["w", "y"], "y")

def test_no_column_list_is_an_error():
    with pytest.raises(TypeError, match="cat_names=None"): TabularProc(None, ["w"])

def test_constant_target_and_one_row_give_finite_statistics():
    p = TabularProc(["size"], ["w", "h"], "y").fit(frame().assign(y=2.0))
    assert p.y_stats == (2.0, 1.0)
    q = TabularProc(["size"], ["h"], "y").fit(frame().iloc[:1])
    assert q.stds["h"] == 1.0 and np.isfinite(q.transform(frame())[1].numpy()).all()

def test_loaders_need_a_target():
    p = TabularProc(["size"], ["w"]).fit(frame())
    with pytest.raises(ValueError, match="no target"): tabular_dls(p, frame(), frame())
    q = TabularProc(["size"], ["w"], "y").fit(frame())
    with pytest.raises(KeyError, match="valid_df has no target column 'y'"): tabular_dls(q, frame(), frame().drop(columns="y"))

def test_predict_with_a_model_built_for_other_columns():
    p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(frame())
    with pytest.raises(ValueError, match=r"expected \(n, 2\)"): p.predict(ConcatMLP([(4, 3)], 1), frame())

def test_layers_and_dropouts_of_different_lengths():
    with pytest.raises(ValueError, match="one dropout per hidden layer"): ConcatMLP([(4, 3)], 2, layers=(10, 20), ps=(0.1,))
    with pytest.raises(ValueError, match="one dropout per hidden layer"): DeepFM([(4, 3)], 2, layers=(10,), ps=())

def test_token_width_not_a_multiple_of_heads():
    with pytest.raises(ValueError, match="d=15 must be a multiple of n_heads=2"): TokenAttention([(4, 3)], 2, d=15)

def test_fm_cross_of_a_matrix():
    with pytest.raises(ValueError, match=r"\(n, n_columns, d\)"): fm_cross(torch.zeros(3, 4))

def test_init_embedding_negative_std():
    from coursecompanion.tabular import init_embedding
    with pytest.raises(ValueError, match="std=-1"): init_embedding(torch.nn.Embedding(3, 2), -1)

def test_vocab_of_a_list():
    assert vocab_of([3, 1, 3]) == [1, 3]

def test_fit_tabular_resumes_bitwise_from_a_checkpoint(tmp_path):
    tr = frame(); p = TabularProc(["size", "shop"], ["w", "h"], "y").fit(tr)
    def run(**kw):
        set_seed(0)
        return fit_tabular(ConcatMLP(p.emb_szs(), 2), tabular_dls(p, tr, frame(50, seed=2), bs=64), n_epochs=3,
                           device="cpu", **kw)
    assert resumes_bitwise(run, tmp_path)

def test_embedding_sizes_before_fit():
    with pytest.raises(RuntimeError, match="before emb_szs"): TabularProc(["size"], ["w"]).emb_szs()

def test_validation_rows_without_a_target():
    p = TabularProc(["size"], ["w"], "y").fit(frame())
    va = frame(seed=1); va.loc[0, "y"] = np.nan
    with pytest.raises(ValueError, match="valid_df has 1 rows without a target"): tabular_dls(p, frame(), va)
