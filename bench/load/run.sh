#!/usr/bin/env bash
# The load run of docs/reliability.md: a synthetic proteome through a 2-silo cluster on this machine (a real
# redis-server, two `protst silo` processes, the built-in demo model), checking that every record comes out exactly
# once, in order, and recording each process's resident memory over the run and at its peak.
#
#   bench/load/run.sh [records (default 100000)] [work folder (default: a new temporary one)] [proteome options]
#
# proteome options go to `ProtSt.Bench proteome` (e.g. --mean-extra 100 for shorter proteins; see its usage).
#
# Prints a summary and leaves in the work folder: rss.tsv (seconds, client, silo1, silo2 in MiB, every 10 s),
# client.log, silo1.log, silo2.log, and out/ (the screen's outputs).
set -euo pipefail
records=${1:-100000}
work=${2:-$(mktemp -d -t protst-load.XXXXXX)}
shift $(( $# < 2 ? $# : 2 ))
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
peak_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "-"; }

dotnet build "$root/src/ProtSt.Cli" -c Release -o "$work/bin" -v quiet -nologo >/dev/null
dotnet run --project "$root/bench/ProtSt.Bench" -c Release -- proteome --records "$records" -o "$work/proteome.fasta" "$@"
protst=(dotnet "$work/bin/protst.dll")

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
cluster="127.0.0.1:$port"
silos=()
for i in 1 2; do
  "${protst[@]}" silo --cluster "$cluster" --devices 1 >"$work/silo$i.log" 2>&1 &
  pids+=($!)
  silos+=($!)
done
for i in 1 2; do
  for _ in $(seq 1 120); do grep -q "silo ready" "$work/silo$i.log" && break; sleep 1; done
  grep -q "silo ready" "$work/silo$i.log" || { echo "silo $i did not start; see $work/silo$i.log" >&2; exit 1; }
done

start=$(date +%s)
/usr/bin/time -f '%M' -o "$work/client.maxrss" "${protst[@]}" screen --cluster "$cluster" -i "$work/proteome.fasta" -o "$work/out" --keep-view false >"$work/client.log" 2>&1 &
client=$!
pids+=($client)
echo -e "seconds\tclient_mib\tsilo1_mib\tsilo2_mib" >"$work/rss.tsv"
while kill -0 "$client" 2>/dev/null; do
  # /usr/bin/time's child is the client program.
  program=$(pgrep -P "$client" | head -n 1 || true)
  echo -e "$(( $(date +%s) - start ))\t$(rss_mib "${program:-0}")\t$(rss_mib "${silos[0]}")\t$(rss_mib "${silos[1]}")" >>"$work/rss.tsv"
  sleep 10
done
wait "$client" || { echo "the screen failed; see $work/client.log" >&2; exit 1; }
elapsed=$(( $(date +%s) - start ))

# Nothing lost, nothing twice, in input order.
expected=$(grep -c '^>' "$work/proteome.fasta")
diff <(grep '^>' "$work/proteome.fasta" | cut -c2-) <(tail -n +2 "$work/out/results.tsv" | cut -f1) >/dev/null \
  || { echo "results.tsv ids differ from the input's" >&2; exit 1; }
failed=$(( $(wc -l <"$work/out/failures.tsv") - 1 ))

echo "records: $expected in, $(( $(wc -l <"$work/out/results.tsv") - 1 )) rows out, $failed device failures, ids in input order: yes"
echo "elapsed: $elapsed s"
echo "peak RSS (MiB): client $(( $(cat "$work/client.maxrss") / 1024 )), silo1 $(peak_mib "${silos[0]}"), silo2 $(peak_mib "${silos[1]}")"
tail -n 1 "$work/client.log"
echo "work folder: $work"
