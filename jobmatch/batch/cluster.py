"""Where batch jobs run: a new local Ray instance by default, a Ray cluster when named.

The one place that starts or joins Ray. A cluster is named by ``--ray-address`` or the
``JOBMATCH_RAY_ADDRESS`` environment variable: ``auto`` (the cluster this machine has joined
with ``ray start``), ``HOST:6379`` (a head node), or ``ray://HOST:10001`` (Ray Client). Every
node runs the same checkout and virtual environment (``scripts/bootstrap.sh``); see
docs/scale.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ray

#: Environment variable naming the Ray cluster to join (empty: a local instance).
RAY_ADDRESS_ENV = "JOBMATCH_RAY_ADDRESS"
#: Ray tries a task again this many times when its worker dies; an actor is restarted as
#: often.
MAX_RETRIES = 3


@contextmanager
def ray_session(address: str | None = None, **local_options: Any) -> Iterator[None]:
    """Ray for the ``with`` block.

    When Ray is already initialised in this process (a caller's session, a test fixture), it
    is used as it is. Otherwise the cluster at ``address`` is joined, or a new local instance
    on this machine's CPUs is started (no dashboard), and shut down after the block.

    Args:
        address: The cluster to join. Default ``JOBMATCH_RAY_ADDRESS``; empty or unset: a local
            instance.
        **local_options: Passed to ``ray.init`` for a local instance only (``num_cpus``,
            ``object_store_memory``…).
    """
    if ray.is_initialized():
        yield
        return
    address = resolved_address(address)
    if address:
        ray.init(address=address)
    else:
        ray.init(address="local", include_dashboard=False, **local_options)
    try:
        yield
    finally:
        ray.shutdown()


def resolved_address(address: str | None = None) -> str:
    """The cluster to join: ``address``, else ``JOBMATCH_RAY_ADDRESS``; empty for a local
    instance."""
    return address or os.environ.get(RAY_ADDRESS_ENV, "")


def cluster_cpus() -> int:
    """The CPUs of the Ray cluster in use (at least 1): one worker per CPU by default."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
