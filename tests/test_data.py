"data: loaders refuse what they cannot batch, with the argument, the value and what to do."
import pytest
import torch
from coursecompanion.data import DataLoader, digits_dls

def test_a_list_is_refused_with_the_conversion_to_make():
    with pytest.raises(TypeError, match=r"x must be a torch.Tensor, got list; convert it with torch.as_tensor\(x\)"):
        DataLoader([[1.0, 2.0]], torch.zeros(1), bs=1)
    with pytest.raises(TypeError, match="y must be a torch.Tensor"): DataLoader(torch.zeros(2, 2), [0, 1], bs=1)

@pytest.mark.parametrize("kw,match", [(dict(shuffle="yes"), "shuffle="), (dict(drop_last=1), "drop_last="),
                                      (dict(seed=-2), "seed="), (dict(seed=1.5), "seed="), (dict(bs=0), "bs=0")])
def test_bad_settings_are_refused(kw, match):
    with pytest.raises((TypeError, ValueError), match=match): DataLoader(torch.zeros(4, 2), torch.zeros(4), **kw)

@pytest.mark.parametrize("pct", [20, 1.5, 0, -0.1])
def test_a_percentage_is_not_a_fraction(pct):
    with pytest.raises(ValueError, match="valid_pct"): digits_dls(valid_pct=pct)

def test_lengths_must_match():
    with pytest.raises(ValueError, match="x has 10 items but y has 9"): DataLoader(torch.zeros(10, 2), torch.zeros(9))
