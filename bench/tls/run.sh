#!/usr/bin/env bash
# The TLS measurement of docs/benchmarks.md: what mutual TLS on the silo-to-silo and gateway ports costs a screen.
# One synthetic proteome through a 2-silo cluster of processes (deploy/local/cluster.sh; devices simulated by
# Devices:Backend=Simulated so the devices are not the limit and the bytes that cross the wire are real), in clear text
# and with `up 2 --tls`, alternated <rounds> times so both see the same machine load.
#
#   bench/tls/run.sh <records> <rounds> <work folder> [protst build folder]
#
# Prints one tab-separated line per run (mode, round, wall s, rows/s) and the ratio of the medians (tls / plain).
set -euo pipefail
records=$1
rounds=$2
work=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
bin=${4:-$work/bin}
cluster_dir="$work/cluster"
cleanup() { PROTST="dotnet $bin/protst.dll" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

[ -n "${4:-}" ] || dotnet build "$root/src/ProtSt.Cli" -c Release -o "$bin" -v quiet -nologo >/dev/null
[ -f "$work/proteome-$records.fasta" ] || dotnet run --project "$root/bench/ProtSt.Bench" -c Release -- proteome --records "$records" -o "$work/proteome-$records.fasta" --mean-extra 100 >/dev/null

# Fast simulated devices (1 µs per padded token) with ESM-1b's width, as bench/cluster-job does.
# A loaded machine may take a while to accept the first connection.
export PROTST_Screen__ConnectTimeout=00:02:00
export PROTST_Devices__Backend=Simulated PROTST_Devices__Simulated__MicrosecondsPerPaddedToken=1 PROTST_Devices__Simulated__EmbeddingWidth=1280

run() {
    local mode=$1 round=$2 flag="" up cluster config=()
    [ "$mode" = tls ] && flag=--tls
    # shellcheck disable=SC2086 # flag is empty or one word
    up=$(PROTST="dotnet $bin/protst.dll" PROTST_CLUSTER_DIR="$cluster_dir" "$root/deploy/local/cluster.sh" up 2 $flag)
    cluster=$(sed -n 's/^cluster: //p' <<<"$up")
    [ "$mode" = tls ] && config=(--config "$(sed -n 's/^config: //p' <<<"$up")")
    rm -rf "$work/out"
    local start end
    start=$(date +%s.%N)
    dotnet "$bin/protst.dll" screen --cluster "$cluster" -i "$work/proteome-$records.fasta" -o "$work/out" --keep-view false "${config[@]}" >"$work/client-$mode-$round.log" 2>&1 \
        || { echo "the $mode screen failed; see $work/client-$mode-$round.log" >&2; exit 1; }
    end=$(date +%s.%N)
    diff <(grep '^>' "$work/proteome-$records.fasta" | cut -c2-) <(tail -n +2 "$work/out/results.tsv" | cut -f1) >/dev/null \
        || { echo "results.tsv ids differ from the input's ($mode)" >&2; exit 1; }
    cleanup
    local wall
    wall=$(echo "$end - $start" | bc)
    echo -e "$mode\t$round\t$wall\t$(echo "scale=0; $records / $wall" | bc)" | tee -a "$work/runs.tsv"
}

: >"$work/runs.tsv"
for round in $(seq 1 "$rounds"); do
    run plain "$round"
    run tls "$round"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
plain=$(awk '$1 == "plain" { print $4 }' "$work/runs.tsv" | median)
tls=$(awk '$1 == "tls" { print $4 }' "$work/runs.tsv" | median)
echo -e "median rows/s: plain $plain, tls $tls, ratio tls/plain $(echo "scale=3; $tls / $plain" | bc)"
