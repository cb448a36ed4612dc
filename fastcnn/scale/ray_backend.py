"""The Ray backend of :mod:`fastcnn.scale.backends`: Ray tasks on this machine or on a cluster.

Ray is an optional extra (``pip install "fastcnn[ray]"``).  The shared object
goes into Ray's object store once (``ray.put``) and every task reads that
copy; each task asks for ``num_cpus`` = its thread count, so Ray never runs
more threads than a node has cores; a warm-up task per node compiles the
kernels into that node's on-disk cache before the real tasks start.
"""
from ..errors import InvalidArgumentError
from ..threads import usable_cores
from .task import Backend, TaskFailure, call_task


class RayBackend(Backend):
    """Ray tasks, each asking for ``num_cpus=threads_per_task``; on this machine, or the cluster at ``address``.

    Parameters
    ----------
    threads_per_task : int
    address : str, optional
        None: start Ray on this machine (its cores); "auto" or "ray://host:port": an existing cluster.
    """

    name = "ray"

    def __init__(self, threads_per_task=1, address=None):
        super().__init__(threads_per_task)
        self.ray = import_ray()
        if not self.ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if address is None:
                options["num_cpus"] = usable_cores()
            self.ray.init(address=address, **options)
            self.started = True
        else:
            self.started = False
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        if threads_per_task > cpus:
            raise InvalidArgumentError(f"{threads_per_task} threads per task, but the Ray cluster has {cpus} CPUs")
        self.address = address

    def describe(self):
        nodes = [node for node in self.ray.nodes() if node.get("Alive")]
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        where = "this machine" if self.address is None else self.address
        return (f"Ray on {where}: {len(nodes)} node{'s' if len(nodes) != 1 else ''}, {cpus} CPUs, "
                f"{self.threads} thread{'s' if self.threads != 1 else ''} per task")

    def warm_up(self, function):
        """Run ``function()`` once on every node (compiling the kernels into that node's cache) and wait.

        Parameters
        ----------
        function : callable
            Takes no argument; defined at module level.

        Returns
        -------
        int
            The number of nodes.
        """
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self.ray
        remote = ray.remote(num_cpus=self.threads)(function)
        nodes = [node["NodeID"] for node in ray.nodes() if node.get("Alive")]
        ray.get([remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()
                 for node in nodes])
        return len(nodes)

    def run(self, function, tasks, shared):
        ray = self.ray
        shared_ref = ray.put(shared)  # once: every task reads this copy
        remote = ray.remote(num_cpus=self.threads, max_retries=0)(call_task)
        pending = {remote.remote(function, task, shared_ref, self.threads): index for index, task in enumerate(tasks)}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    index = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except Exception as error:  # noqa: BLE001 (a worker that died, a task cancelled)
                        result = TaskFailure(f"{type(error).__name__}: {error}".splitlines()[0])
                    yield index, result
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self):
        if self.started:
            self.ray.shutdown()


def import_ray():
    """The ``ray`` module, or a one-line error saying how to install it.

    Returns
    -------
    module
    """
    try:
        import ray
    except ImportError:
        raise InvalidArgumentError('the Ray backend needs Ray: pip install "fastcnn[ray]"') from None
    return ray
