"""Data-parallel training on 2 real processes (gloo, 127.0.0.1) gives, bitwise, the weights of its one-process replay
(each shard's gradient on its own, averaged as DDP does); only rank 0 checkpoints."""
import json, tempfile, time
from pathlib import Path
import pytest
import torch
from torch.utils.data import TensorDataset
from coursecompanion.core import setup_cpu
from coursecompanion.data import DataLoader
from coursecompanion.distributed import allreduce_mean, rank_batch_size, run_torchrun, shard_loader, train_sharded

ARGS = dict(epochs=2, bs=128, n_train=4_000, n_valid=1_000)

def max_diff(a, b): return max((a[k] - b[k]).abs().max().item() for k in a)

@pytest.fixture(scope="module")
def replay():
    setup_cpu(threads=1)   # the ranks run one thread each
    model = train_sharded(world_size=2, **ARGS)
    setup_cpu()
    return model.state_dict()

@pytest.mark.parametrize("loader", ["memory", "torch"])
def test_two_processes_match_their_replay_bitwise(replay, loader, tmp_path):
    t0 = time.perf_counter()
    run_torchrun(["-m", "coursecompanion.distributed", "--epochs", ARGS["epochs"], "--bs", ARGS["bs"], "--n-train", ARGS["n_train"],
                  "--n-valid", ARGS["n_valid"], "--loader", loader, "--threads", 1,
                  "--checkpoint", tmp_path/"rank{rank}.pth", "--json", tmp_path/"summary.json"], nproc=2, timeout=600)
    print(f"2-process run ({loader} loader): {time.perf_counter() - t0:.1f} s")
    assert sorted(p.name for p in tmp_path.glob("*.pth")) == ["rank0.pth"]   # rank 1 never wrote its checkpoint
    w2 = torch.load(tmp_path/"rank0.pth", weights_only=True)["model"]
    assert replay.keys() == w2.keys()                                        # no DDP "module." prefixes
    assert all(torch.equal(replay[k], w2[k]) for k in w2), f"max difference {max_diff(replay, w2):.1e}"
    s2 = json.loads((tmp_path/"summary.json").read_text())
    assert s2["world_size"] == 2 and s2["global_bs"] == ARGS["bs"]

def test_uneven_world_pads_like_distributed_sampler():
    x, y = torch.arange(11.0).view(11, 1), torch.arange(11)
    tdl = torch.utils.data.DataLoader(TensorDataset(x, y), batch_size=2)
    for world in (2, 3, 4):
        ours = [torch.cat([yb for _, yb in shard_loader(DataLoader(x, y, bs=2), r, world)]).tolist() for r in range(world)]
        theirs = [torch.cat([yb for _, yb in shard_loader(tdl, r, world)]).tolist() for r in range(world)]
        assert ours == theirs
        assert len({len(o) for o in ours}) == 1                       # every rank takes the same number of steps
        assert set(sum(ours, [])) == set(range(11))                   # every item is seen
        assert len(sum(ours, [])) - 11 == (-11) % world               # padded by at most world_size - 1 repeats

def test_batch_must_divide():
    assert rank_batch_size(256, 4) == 64
    with pytest.raises(ValueError, match="does not divide by the world size 3"): rank_batch_size(256, 3)

def test_allreduce_mean_is_ddp_average():
    g = [[torch.tensor([1.0, 3.0])], [torch.tensor([2.0, 5.0])]]
    assert torch.equal(allreduce_mean(g, 2)[0], torch.tensor([1.5, 4.0]))
    a, b = torch.randn(1000), torch.randn(1000)
    assert torch.equal(allreduce_mean([[a], [b]], 2)[0], allreduce_mean([[b], [a]], 2)[0])   # two ranks: order-free

# Bad input: a clear error naming the argument.
def test_rank_batch_size_rejects_zero():
    with pytest.raises(ValueError, match="bs must be a positive int"): rank_batch_size(0, 2)

def test_rank_batch_size_rejects_a_zero_world():
    with pytest.raises(ValueError, match="world_size"): rank_batch_size(256, 0)

def test_allreduce_mean_needs_one_list_per_rank():
    g = [[torch.ones(2)], [torch.ones(2)]]
    with pytest.raises(ValueError, match="world_size is 3"): allreduce_mean(g, 3)

def test_shard_loader_rejects_a_rank_outside_the_world_for_torch_loaders():
    tdl = torch.utils.data.DataLoader(TensorDataset(torch.zeros(10, 1), torch.zeros(10)), batch_size=4)
    with pytest.raises(ValueError, match="outside 0..1"): shard_loader(tdl, 2, 2)

def test_run_torchrun_rejects_zero_processes():
    with pytest.raises(ValueError, match="nproc"): run_torchrun(["-c", "pass"], nproc=0)

def test_allreduce_mean_names_ranks_with_another_model():
    import torch
    from coursecompanion.distributed import allreduce_mean
    with pytest.raises(ValueError, match="rank 1's gradients have shapes"):
        allreduce_mean([[torch.ones(2)], [torch.ones(3)]], 2)
