"""The `system.selftest` job: proves the job pipeline end to end (Jobs page, tests, health)."""

from __future__ import annotations

import time

from maxbooster.services.jobs import JobContext, job_handler


@job_handler("system.selftest")
def selftest(ctx: JobContext) -> str:
    """Takes `seconds` in `steps` and can be told to fail on its first `fail_attempts` attempts."""
    seconds = float(ctx.params.get("seconds", 2))
    steps = max(1, int(ctx.params.get("steps", 10)))
    fail_attempts = int(ctx.params.get("fail_attempts", 0))
    for step in range(steps):
        time.sleep(seconds / steps)
        ctx.progress(int(100 * (step + 1) / steps), f"step {step + 1} of {steps}")
        if ctx.attempt <= fail_attempts and step == steps // 2:
            raise RuntimeError(f"selftest told to fail on attempt {ctx.attempt}")
    return f"selftest:{ctx.job_id}:ok"
