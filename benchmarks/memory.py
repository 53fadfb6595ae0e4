"""Process memory figures for the benchmarks, read from /proc (Linux)."""


def status_kib(field: str) -> int:
    """A /proc/self/status field in KiB (VmRSS, VmHWM, ...), -1 when absent."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS, so a later peak measures one step."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False
