"""Timing two ways of rendering the same video fairly: fresh worker processes, interleaved runs.

Each run happens in a new worker process that times only the work and prints
``{"seconds": ...}`` as its last line (:class:`Stopwatch` also adds the CPU seconds of the
timed part, its ffmpeg children included); the parent reads the worker's peak memory,
ffmpeg's included, from ``wait4``. Runs alternate between the contenders so that load from
other work on the machine hits both alike; CPU seconds are the steadier number when the
machine is shared, wall seconds what a user waits. Shared by the benchmarks that race
adloom's editor against a hand-written ffmpeg command; those commands end alike
(:data:`HAND_DUCKED_MIX`, :data:`HAND_OUTPUT_ARGS`).
"""

from __future__ import annotations

import json
import os
import statistics
import resource
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

HAND_DUCKED_MIX = (
    "[music][vkey]sidechaincompress=threshold=0.03:ratio=8:attack=15:release=350[ducked];"
    "[vmix][ducked]amix=inputs=2:duration=first:normalize=0,alimiter=limit=0.84:level=false[aout]"
)
"""The hand-written graphs' last step: music ``[music]`` ducked under the voice ``[vmix]``/``[vkey]``."""
HAND_OUTPUT_ARGS = (
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
    "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
    "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
)
"""The encoder settings of the hand-written commands (the editor's own, written out)."""


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its waited-for children (ffmpeg runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Stopwatch:
    """Wall and CPU seconds of the code between ``start()`` and ``report()``, for a worker to print."""

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()

    def report(self) -> str:
        """The worker's last line: ``{"seconds": ..., "cpu_s": ...}``."""
        return json.dumps({"seconds": time.perf_counter() - self._wall, "cpu_s": _cpu_seconds() - self._cpu})


@dataclass(frozen=True)
class WorkerRun:
    seconds: float
    peak_mib: float
    cpu_s: float | None = None


def run_worker(command: Sequence[str]) -> WorkerRun:
    """Run one worker; returns its reported seconds (and CPU seconds, when it reports them)
    and the peak RSS in MiB of it and its children.

    Raises:
        SystemExit: the worker failed (its stderr has already gone to ours).
    """
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"worker {command[-1] if command else ''} failed with exit code {process.returncode}")
    reported = json.loads(output.strip().splitlines()[-1])
    return WorkerRun(reported["seconds"], usage.ru_maxrss / 1024, reported.get("cpu_s"))


@dataclass
class RaceResult:
    """Wall and CPU seconds of every run and the highest peak memory, per contender."""

    times: dict[str, list[float]]
    peaks_mib: dict[str, float]
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def median(self, kind: str) -> float:
        return statistics.median(self.times[kind])

    def median_cpu(self, kind: str) -> float | None:
        return statistics.median(self.cpu[kind]) if self.cpu.get(kind) else None


def race(kinds: Sequence[str], runs: int, run_one: Callable[[str], WorkerRun]) -> RaceResult:
    """Run ``run_one(kind)`` for each kind in turn, ``runs`` rounds, printing each run."""
    result = RaceResult({kind: [] for kind in kinds}, {kind: 0.0 for kind in kinds}, {kind: [] for kind in kinds})
    width = max(len(kind) for kind in kinds)
    for round_ in range(runs):
        for kind in kinds:
            run = run_one(kind)
            result.times[kind].append(run.seconds)
            result.peaks_mib[kind] = max(result.peaks_mib[kind], run.peak_mib)
            cpu = ""
            if run.cpu_s is not None:
                result.cpu[kind].append(run.cpu_s)
                cpu = f"  cpu {run.cpu_s:6.2f} s"
            print(f"run {round_ + 1} {kind:>{width}}: {run.seconds:6.2f} s{cpu}  peak {run.peak_mib:6.0f} MiB",
                  flush=True)
    return result
