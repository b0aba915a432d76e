"core: bad arguments are refused with the argument, the value and what to do, before anything changes."
import random
import numpy as np
import pytest
import torch
from coursecompanion.core import Facts, Table, atomic_save, check_trained, decide, machine_info, mlp, set_seed, setup_cpu

@pytest.mark.parametrize("seed", ["a", -1, 1.5, True, None])
def test_set_seed_refuses_what_is_not_a_whole_number(seed):
    random.seed(7)
    before = random.random()
    random.seed(7)
    with pytest.raises(ValueError, match=f"seed={seed!r}"): set_seed(seed)
    assert random.random() == before  # no generator was reseeded

def test_set_seed_accepts_numpy_integers():
    set_seed(np.int64(3))
    a = torch.rand(1)
    set_seed(3)
    assert torch.equal(a, torch.rand(1))

@pytest.mark.parametrize("threads", [0, -1, 1.5, "2"])
def test_setup_cpu_refuses_bad_threads_before_changing_any(threads):
    n = torch.get_num_threads()
    with pytest.raises(ValueError, match="threads="): setup_cpu(threads=threads)
    assert torch.get_num_threads() == n

def test_setup_cpu_and_machine_info_are_dicts_shown_as_tables():
    s = setup_cpu()
    assert isinstance(s, dict) and isinstance(s, Facts) and "<table" in s._repr_html_()
    assert "cpu" in machine_info() and "| cpu |" in machine_info()._repr_markdown_()

def test_atomic_save_to_a_folder_names_the_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; name a file"): atomic_save({"a": 1}, tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temporary file left

@pytest.mark.parametrize("threshold", ["0.1", None, float("nan"), True])
def test_decide_refuses_a_threshold_that_is_not_a_number(threshold):
    with pytest.raises(ValueError, match="threshold="): decide([0.1, 0.2], threshold, "a claim")

def test_decide_states_what_its_n_could_detect():
    d = decide([0.1, 0.3, 0.2, 0.4, 0.25], 0.1, "a claim")
    assert d.detectable is not None and d.detectable > (d.hi - d.lo) / 2  # power 80% needs more than the half-width
    assert "80% power at" in d.summary() and d.as_dict()["detectable"] == d.detectable
    assert decide([0.3], 0.1, "one run").detectable is None

@pytest.mark.parametrize("scores,trivial,margin", [({}, 0.5, 0.1), ([0.9], 0.5, 0.1), ({"a": 0.9}, "0.5", 0.1),
                                                    ({"a": 0.9}, 0.5, -0.1), ({"a": 0.9}, 0.5, float("nan"))])
def test_check_trained_refuses_what_cannot_be_checked(scores, trivial, margin):
    with pytest.raises(ValueError, match="check_trained"): check_trained(scores, trivial, margin)

def test_check_trained_fails_an_arm_at_the_trivial_baseline():
    with pytest.raises(AssertionError, match="stuck"): check_trained({"ok": [0.9, 0.8], "stuck": [0.9, 0.57]}, 0.57, 0.05)
    assert check_trained({"ok": [0.9, 0.8]}, 0.57, 0.05)

def test_table_refuses_rows_that_are_not_dicts():
    with pytest.raises(TypeError, match="each row must be a dict"): Table([1, 2])

@pytest.mark.parametrize("kw", [dict(sizes=(5,)), dict(sizes=(5, 0, 2)), dict(sizes=(5, 4.5, 2)),
                                dict(sizes=(5, 4, 3, 2), ps=[0.1]), dict(sizes=(5, 4, 2), ps=[1.5])])
def test_mlp_refuses_bad_sizes_and_dropout(kw):
    with pytest.raises(ValueError, match="mlp: (sizes|ps)="): mlp(**kw)

def test_mlp_takes_one_dropout_for_every_hidden_layer():
    m = mlp((5, 4, 3, 2), ps=0.25)
    assert [l.p for l in m if isinstance(l, torch.nn.Dropout)] == [0.25, 0.25]
