#!/usr/bin/env bash
# Extraction's peak memory through a cluster of processes (docs/benchmarks.md, issue 22): a 1-silo cluster (a real
# redis-server and one `protst silo`, one CPU device) started afresh for each proteome, a `protst screen --cluster
# --include per-residue` client, and the peak resident set (VmHWM) of the client (sampled every 50 ms until it exits)
# and of the silo (after the job: the silo also writes the parts and assembles the files).
#
#   bench/extraction-memory-cluster/run.sh <work folder> <records> [<records> ...]
#
# Environment: SHARD_SIZE (256), EXTRA (more `protst screen` arguments, e.g. "--output-layout parts"); the model is the
# untrained default demo (4 layers of 128), the proteomes those of `extraction-memory` (lengths 20 + exp(20), at most 80).
# Prints one markdown row per proteome: records, wall s, client peak MiB, silo MiB at ready, silo peak MiB, residues MiB.
set -euo pipefail
work=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$work/bin
mkdir -p "$work"
protst="dotnet $bin/protst.dll"
cluster_dir="$work/cluster"
cleanup() { PROTST="$protst" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

dotnet build "$root/src/ProtSt.Cli" -c Release -o "$bin" -v quiet -nologo >/dev/null
if [ ! -f "$work/model/manifest.json" ]; then
  $protst model demo -o "$work/checkpoint" >/dev/null
  $protst model convert "$work/checkpoint" -o "$work/model" >/dev/null
fi

hwm() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || true; }
export PROTST_Screen__ShardSize=${SHARD_SIZE:-256}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| proteins | wall s | client peak MiB | silo at ready MiB | silo peak MiB | residues.parquet MiB |"
echo "|---:|---:|---:|---:|---:|---:|"
for records in "$@"; do
  fasta=$work/in-$records.fasta
  [ -f "$fasta" ] || dotnet run --project "$root/bench/ProtSt.Bench" -c Release -- proteome --records "$records" -o "$fasta" \
    --min-length 20 --mean-extra 20 --max-length 80 >/dev/null
  cluster=$(PROTST="$protst" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" up 1 | sed -n 's/^cluster: //p')
  silo=$(head -1 "$cluster_dir"/silo-*.pid)
  ready=$(hwm "$silo")
  rm -rf "$work/out-$records"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # EXTRA is a list of arguments
  $protst screen --cluster "$cluster" -i "$fasta" -m "$work/model" -o "$work/out-$records" --include per-residue \
    --keep-view false ${EXTRA:-} >"$work/client-$records.log" 2>&1 &
  client=$!
  peak=0
  while kill -0 "$client" 2>/dev/null; do
    value=$(hwm "$client")
    [ -n "$value" ] && peak=$value
    sleep 0.05
  done
  wait "$client" || { echo "the screen of $records failed; see $work/client-$records.log" >&2; exit 1; }
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  residues=$(du -m "$work/out-$records/residues.parquet" 2>/dev/null | cut -f1 || true)
  printf '| %s | %.1f | %s | %s | %s | %s |\n' "$records" "$wall" "$peak" "$ready" "$(hwm "$silo")" "${residues:--}"
  cleanup
done
