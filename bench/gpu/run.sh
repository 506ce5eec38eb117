#!/usr/bin/env bash
# The GPU figure: a full-size ProtST-esm1b-shaped model (33 layers x 1,280, 20 heads, random weights: no download)
# screens the 2,768 DeepLoc test sequences on one accelerator, (a) by the published batch-size-1 method and (b) through
# the cluster with one device, in fp32 and fp16. Prints and writes sequences/s, padded tokens/s, the share of the fp16
# dense peak, GPU memory and utilization (nvidia-smi, when present) and (b)/(a).
#
#   bench/gpu/run.sh                                  # CUDA, full size (needs the NVIDIA driver and CUDA 13 libraries)
#   bench/gpu/run.sh --accelerator cpu --small        # end to end on CPU at a small size (the test suite runs this)
#
# Options: --accelerator cuda|cpu (default cuda)  --small  --sequences N  --peak-tflops T (default 790, H200 dense
# fp16/bf16)  --max-tokens N (cluster token budget; default the accelerator's)  --dtypes "fp32 fp16"  --work DIR
# (models, publish, results; default bench/results/gpu)  --bin DIR (an existing publish holding protst and
# ProtSt.Bench: skips the publish step, e.g. one copied to a GPU host without .NET).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"

accelerator=cuda small=0 sequences="" peak=790 max_tokens="" dtypes="fp32 fp16" work="" bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --accelerator) accelerator="$2"; shift 2 ;;
    --small) small=1; shift ;;
    --sequences) sequences="$2"; shift 2 ;;
    --peak-tflops) peak="$2"; shift 2 ;;
    --max-tokens) max_tokens="$2"; shift 2 ;;
    --dtypes) dtypes="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$accelerator" in cuda|cpu) ;; *) echo "error: --accelerator must be cuda or cpu, not '$accelerator'" >&2; exit 2 ;; esac
work="${work:-$repo/bench/results/gpu}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
fasta="$repo/bench/gpu/deeploc-test.fasta"

# 1. A self-contained linux-x64 publish (a GPU host needs the NVIDIA driver, not .NET). The CUDA flavor's CPU provider
#    also runs --accelerator cpu, so one publish serves both.
if [ -z "$bin" ]; then
  bin="$work/publish"
  flavor=Cuda
  for project in src/ProtSt.Cli/ProtSt.Cli.csproj bench/ProtSt.Bench/ProtSt.Bench.csproj; do
    dotnet publish "$repo/$project" -c Release -r linux-x64 --self-contained -p:Accelerator="$flavor" -o "$bin" >&2
  done
fi
# A self-contained publish runs its programs directly; a framework-dependent build (--bin of a test's output) through dotnet.
program() {
  local name="$1"; shift
  if [ -f "$bin/libhostfxr.so" ]; then "$bin/$name" "$@"; else dotnet "$bin/$name.dll" "$@"; fi
}
for name in protst ProtSt.Bench; do
  [ -f "$bin/$name.dll" ] || { echo "error: $bin/$name.dll is missing; publish first or pass --bin" >&2; exit 1; }
done

# 2. CUDA 13 libraries from any Python environment's nvidia/*/lib (pip's nvidia-cublas, nvidia-cuda-runtime, ...).
if [ "$accelerator" = cuda ]; then
  for python in python3 python; do
    command -v "$python" >/dev/null 2>&1 || continue
    while IFS= read -r site; do
      for lib in "$site"/nvidia/*/lib; do
        [ -d "$lib" ] && LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      done
    done < <("$python" -c 'import site, sys; print("\n".join(site.getsitepackages() + [site.getusersitepackages()] + sys.path))' 2>/dev/null || true)
  done
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
fi

# 3. The model: ProtST-esm1b's shape (protein tower 33 x 1,280, 20 heads, feed-forward 5,120; PubMedBERT-sized text
#    tower; 512-wide projection), random weights; --small shrinks it to seconds on a CPU.
if [ "$small" = 1 ]; then
  shape=(--layers 2 --hidden 64 --heads 4 --text-layers 1 --text-hidden 32 --text-heads 2 --projection 16)
  sequences="${sequences:-24}"
else
  shape=(--layers 33 --hidden 1280 --heads 20 --intermediate 5120 --text-layers 12 --text-hidden 768 --text-heads 12 --projection 512)
fi
size=$([ "$small" = 1 ] && echo small || echo full)
checkpoint="$work/models/protst-esm1b-$size-random"
[ -f "$checkpoint/config.json" ] || program protst model demo --protst -o "$checkpoint" "${shape[@]}" >&2

results="$work/results-$accelerator-$size.tsv"
rm -f "$results"
for dtype in $dtypes; do
  model="$checkpoint-$dtype"
  [ -f "$model/manifest.json" ] || program protst model convert "$checkpoint" -o "$model" --dtype "$dtype" >&2

  # 4. GPU memory and utilization sampled twice a second while the benchmark runs.
  smi_log="$work/nvidia-smi-$dtype.csv"
  smi_pid=""
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits -lms 500 >"$smi_log" 2>/dev/null &
    smi_pid=$!
  fi

  args=(gpu-screen --model "$model" --fasta "$fasta" --accelerator "$accelerator" --peak-tflops "$peak" --label "$dtype" --out "$results")
  [ -n "$sequences" ] && args+=(--sequences "$sequences")
  [ -n "$max_tokens" ] && args+=(--max-tokens "$max_tokens")
  status=0
  program ProtSt.Bench "${args[@]}" || status=$?
  if [ -n "$smi_pid" ]; then
    kill "$smi_pid" 2>/dev/null || true
    wait "$smi_pid" 2>/dev/null || true
    awk -F', *' -v d="$dtype" '{ if ($3 > mem) mem = $3; total = $4; util += $5; n++; name = $2 }
      END { if (n) printf "# %s: %s, peak memory %d / %d MiB, mean utilization %.0f%% over %d samples\n", d, name, mem, total, util / n, n }' \
      "$smi_log" | tee -a "$results"
  else
    echo "# $dtype: nvidia-smi not found, no GPU memory or utilization figures" | tee -a "$results"
  fi
  [ "$status" -eq 0 ] || { echo "error: the $dtype benchmark failed (exit $status)" >&2; exit "$status"; }
done

echo "results: $results"
