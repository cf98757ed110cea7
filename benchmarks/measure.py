"""CPU and wall-clock measurements for the benchmarks: a process's CPU time, the machine's
busy and stolen time, and one measured phase of a run (from /proc; 0 where it is missing)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (0 where /proc is missing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """Busy and stolen CPU seconds of the whole machine so far, from /proc/stat (0 if missing)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


@dataclass
class Phase:
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0
    harness_cpu: float = 0.0
    others_cpu: float = 0.0  # every other process on the machine, plus CPU stolen by the host
    failures: list[str] = field(default_factory=list)
    finished: int = 0
    late_ticks: int = 0  # open loop: updates the driver could not send on time
    offered: float = 0.0  # open loop: updates sent per second, from the first send to the last

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


class Meter:
    """CPU and wall time of the bot process and this process around one phase."""

    def __init__(self, pid: int, timeout: float) -> None:
        self.pid = pid
        self.timeout = timeout

    async def run(self, phase: Phase, work: Awaitable[None]) -> None:
        bot0, own0, wall0 = cpu_seconds(self.pid), time.process_time(), time.perf_counter()
        busy0, steal0 = machine_cpu()
        await asyncio.wait_for(work, self.timeout)
        phase.seconds = time.perf_counter() - wall0
        phase.bot_cpu = cpu_seconds(self.pid) - bot0
        phase.harness_cpu = time.process_time() - own0
        busy1, steal1 = machine_cpu()
        others = busy1 - busy0 - phase.bot_cpu - phase.harness_cpu + steal1 - steal0
        phase.others_cpu = max(0.0, others)
