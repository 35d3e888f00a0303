#!/usr/bin/env bash
# Measures how long vlx takes to stop after SIGINT while its read waits on a pipe that
# sends nothing: the time from the signal to the end of the process, which includes
# cancelling the walk, finishing the output and exiting.
#
#   Scripts/measure-cancel.sh [RUNS]     RUNS 20 by default; prints the median and the maximum
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh
runs=${1:-20}
vlx_require_swift
swift build -c release --product vlx >&2
swift build -c release --product vlx-generate >&2
bin=$(swift build -c release --show-bin-path)

python3 - "$bin" "$runs" <<'PYTHON'
import os, signal, statistics, subprocess, sys, tempfile, time
bin, runs = sys.argv[1], int(sys.argv[2])
export = subprocess.run([f'{bin}/vlx-generate', '--items', '500', '--seed', '3'], capture_output=True, check=True).stdout
head = export[: len(export) // 2]
latencies = []
with tempfile.TemporaryDirectory() as scratch:
    for run in range(runs):
        output = os.path.join(scratch, f'out-{run}.ndjson')
        process = subprocess.Popen([f'{bin}/vlx', 'ndjson', '-', '-o', output], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        process.stdin.write(head)
        process.stdin.flush()
        time.sleep(0.3)  # vlx has read and written what it was given, and waits in a read
        start = time.monotonic()
        process.send_signal(signal.SIGINT)
        status = process.wait()
        latencies.append((time.monotonic() - start) * 1000)
        process.stdin.close()
        assert status == 130, f'exit status {status}'
print(f'SIGINT to exit, vlx ndjson waiting on a silent pipe, {runs} runs: '
      f'median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms')
PYTHON
