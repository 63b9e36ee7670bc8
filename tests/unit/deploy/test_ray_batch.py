"""How many actors answer a batch job on Ray: ``--workers`` fixes the pool's size, and without it
the pool grows from one up to the cluster's CPUs; fewer than one is refused naming the option."""

from __future__ import annotations

import pytest

from modelport.deploy.ray_batch import actor_pool_size
from modelport.errors import InvalidInput


def test_workers_fix_the_pool_and_none_lets_it_grow_to_the_cpus() -> None:
    assert actor_pool_size(2, cpus=4) == {"size": 2}
    assert actor_pool_size(None, cpus=4) == {"min_size": 1, "max_size": 4}
    assert actor_pool_size(None, cpus=0) == {"min_size": 1, "max_size": 1}


def test_fewer_than_one_worker_is_refused_naming_the_option() -> None:
    with pytest.raises(InvalidInput, match="--workers 0") as refused:
        actor_pool_size(0, cpus=4)
    assert refused.value.field == "--workers"
