#!/usr/bin/env bash
# The cluster-job measurement of docs/benchmarks.md: one synthetic proteome through a 2-silo cluster of processes
# (a real redis-server and two `protst silo`, devices simulated by Devices:Backend=Simulated so the devices are not the
# limit), submitted by `protst screen --cluster`; records the client's peak RSS and CPU time and the job's rows/s.
#
#   bench/cluster-job/run.sh <records> <work folder> [protst build folder]
#
# The optional build folder runs another build of protst (e.g. one made from an older commit, to compare the
# client-side writer with shard-written parts); by default this checkout is built into <work>/bin.
# Prints one tab-separated line: records, client peak RSS (MiB), client user+system CPU (s), wall (s), rows/s.
set -euo pipefail
records=$1
work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
bin=${3:-$work/bin}
cluster_dir="$work/cluster"
cleanup() { PROTST="dotnet $bin/protst.dll" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

[ -n "${3:-}" ] || dotnet build "$root/src/ProtSt.Cli" -c Release -o "$bin" -v quiet -nologo >/dev/null
[ -f "$work/proteome-$records.fasta" ] || dotnet run --project "$root/bench/ProtSt.Bench" -c Release -- proteome --records "$records" -o "$work/proteome-$records.fasta" --mean-extra 100 >/dev/null

# Fast simulated devices (1 µs per padded token) with ESM-1b's width: what is left to measure is everything else.
export PROTST_Devices__Backend=Simulated PROTST_Devices__Simulated__MicrosecondsPerPaddedToken=1 PROTST_Devices__Simulated__EmbeddingWidth=1280
cluster=$(PROTST="dotnet $bin/protst.dll" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" up 2 | sed -n 's/^cluster: //p')
rm -rf "$work/out-$records"
/usr/bin/time -f '%M %U %S %e' -o "$work/client-$records.time" dotnet "$bin/protst.dll" screen --cluster "$cluster" -i "$work/proteome-$records.fasta" -o "$work/out-$records" --keep-view false >"$work/client-$records.log" 2>&1 \
  || { echo "the screen failed; see $work/client-$records.log" >&2; exit 1; }
diff <(grep '^>' "$work/proteome-$records.fasta" | cut -c2-) <(tail -n +2 "$work/out-$records/results.tsv" | cut -f1) >/dev/null \
  || { echo "results.tsv ids differ from the input's" >&2; exit 1; }
read -r rss user system wall <"$work/client-$records.time"
echo -e "$records\t$((rss / 1024))\t$(echo "$user + $system" | bc)\t$wall\t$(echo "scale=0; $records / $wall" | bc)"
