#!/usr/bin/env python3
"""Execute one Jupyter notebook headless with nbclient (used by scripts/notebooks.ts).

    notebooks_exec.py IN.ipynb OUT.ipynb [--html OUT.html] [--timeout SECONDS] [--kernel tslab] [--cwd DIR]

Runs every cell top to bottom on the named kernel with a per-cell timeout and writes the executed notebook
(with outputs) to OUT.ipynb, plus an HTML rendering when --html is given. A kernel that does not answer its first
kernel_info request (tslab's zeromq sockets can stay "blocked by a bind" when a port is contended) is not a notebook
failure: the notebook is retried in a fresh kernel, up to --start-attempts times, before it fails. When a cell fails (an error reply,
a compile error printed by tslab, or the timeout), it prints the cell's index, its source, what the cell wrote to
stderr and the error, writes the partly executed notebook (so the failure can be inspected) and exits with 1.
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def cell_report(cell, index):
    lines = [f"--- cell {index} ---", cell.get("source", ""), "--- output ---"]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            lines.append(f"[{out.get('name')}] {out.get('text', '').rstrip()}")
        elif out.get("output_type") == "error":
            lines.append(f"[error] {out.get('ename')}: {out.get('evalue')}")
            tb = "\n".join(out.get("traceback", []))
            if tb:
                lines.append(tb)
    return "\n".join(lines)


def quit_now(code):
    """Exits without nbclient's atexit clean-up, which asserts on a client whose kernel never started."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--html")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--cwd")
    ap.add_argument("--start-attempts", type=int, default=3)
    ap.add_argument("--startup-timeout", type=int, default=60)
    a = ap.parse_args()

    t0 = time.time()
    for attempt in range(1, a.start_attempts + 1):
        nb = nbformat.read(a.src, as_version=4)
        client = NotebookClient(
            nb,
            timeout=a.timeout,
            startup_timeout=a.startup_timeout,
            kernel_name=a.kernel,
            allow_errors=False,
            record_timing=True,
            resources={"metadata": {"path": a.cwd}} if a.cwd else {},
        )
        failed = None
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            failed = err
        except RuntimeError as err:
            # Raised by the kernel client's wait_for_ready: the kernel never answered, no cell ran.
            if any(c.get("execution_count") is not None for c in nb.cells if c.cell_type == "code"):
                raise
            print(f"kernel {a.kernel} did not start for {a.src} (attempt {attempt}/{a.start_attempts}): {err}", file=sys.stderr)
            if attempt == a.start_attempts:
                quit_now(1)
            continue
        break
    seconds = time.time() - t0
    nb.metadata.setdefault("recist", {})["executed_seconds"] = round(seconds, 1)
    nbformat.write(nb, a.dst)

    if failed is not None:
        # The failing cell: the last code cell that has outputs or an execution count (nbclient stops there).
        index, bad = None, None
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                index, bad = i, cell
                break
            if cell.get("execution_count") is not None or cell.get("outputs"):
                index, bad = i, cell
        print(f"FAILED {a.src} after {seconds:.1f} s", file=sys.stderr)
        if bad is not None:
            print(cell_report(bad, index), file=sys.stderr)
        msg = str(failed).strip().splitlines()
        # nbclient's message repeats the source; its last lines carry the kernel's error (name: value).
        print("--- error ---\n" + "\n".join(msg[-12:]), file=sys.stderr)
        quit_now(1)

    if a.html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        with open(a.html, "w", encoding="utf-8") as f:
            f.write(body)
    print(f"ok {a.src} {seconds:.1f} s")
    quit_now(0)


if __name__ == "__main__":
    main()
