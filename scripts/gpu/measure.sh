#!/usr/bin/env bash
# Runs on a lent GPU machine (no node, no npm, no network; python3 with torch): the app's training step on
# tfjs webgpu in Node on Dawn's Vulkan backend against PyTorch eager on CUDA, same model, batch and input,
# from the folder scripts/gpu/pack.sh built (.gpu/, carried). Each piece has its own timeout, so one that
# fails or hangs loses only its own figure; the whole stays under ~6 minutes. Results land in $OUT
# (default ./out): measure.jsonl (one JSON per piece), summary.json, measure.log, pretrain_configs.tar.gz.
#
#   scripts/gpu/measure.sh                      # on the GPU machine
#   GPU_MEASURE_SMOKE=1 scripts/gpu/measure.sh  # here: tiny sizes, Dawn on OpenGL ES (Mesa), PyTorch on CPU
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
OUT=${OUT:-./out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SMOKE=${GPU_MEASURE_SMOKE:-0}
BUDGET_S=${GPU_MEASURE_BUDGET_S:-330}
work=${GPU_MEASURE_WORK:-/tmp/gpu-measure}
PYTHON=${PYTHON:-$(command -v python3)}
export PYTHON TRAIN_REFERENCE="$root/bench/train_reference.py" PYTHONUNBUFFERED=1
results="$OUT/measure.jsonl"
: >"$results"
exec > >(tee "$OUT/measure.log") 2>&1

log() { echo "[measure +${SECONDS}s] $*"; }
left() { echo $((BUDGET_S - SECONDS)); }

# record NAME JSON-FILE: appends {"piece": NAME, "result": <the file's JSON or null>, "error": ...} as one line.
record() {
  "$PYTHON" - "$1" "$2" "${3:-}" >>"$results" <<'PY'
import json, sys
name, path, error = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    with open(path) as f:
        text = f.read()
    start = text.find("{")
    result = json.loads(text[start:]) if start >= 0 else None
except (OSError, ValueError) as e:
    result, error = None, error or f"unreadable output: {e}"
print(json.dumps({"piece": name, "result": result, "error": error or None}))
PY
}

# piece NAME TIMEOUT CMD...: runs CMD with stdout to a file, stderr to the log, under a timeout that never
# reaches past the budget; records what it printed.
piece() {
  local name=$1 limit=$2
  shift 2
  local remaining
  remaining=$(left)
  if [ "$remaining" -lt 20 ]; then
    log "$name: skipped, ${remaining}s of the budget left"
    record "$name" /dev/null "skipped: budget spent"
    return 1
  fi
  [ "$limit" -gt "$remaining" ] && limit=$remaining
  log "$name: start (timeout ${limit}s)"
  local started=$SECONDS rc
  timeout -k 5 "$limit" "$@" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
  tail -n 5 "$work/$name.err" | sed "s/^/  [$name] /"
  local error=""
  [ $rc -eq 124 ] && error="timed out after ${limit}s"
  # The thrown error's own line says more than the stack under it.
  [ $rc -ne 0 ] && [ -z "$error" ] && error="exit $rc: $( (grep 'Error' "$work/$name.err" || tail -n 3 "$work/$name.err") | tail -n 2 | tr '\n' ' ')"
  record "$name" "$work/$name.out" "$error"
  log "$name: rc=$rc in $((SECONDS - started))s"
  return $rc
}

unxz_py() { "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }

# 1. HF pretraining fixtures, if that generator is in the checkout (transformers is on the GPU machine).
gen=src/model/videomae/testdata/make_pretrain_reference.py
if [ -f "$gen" ]; then
  mkdir -p "$work/pretrain_configs"
  log "pretrain reference: $gen"
  if timeout -k 5 90 "$PYTHON" "$gen" "$work/pretrain_configs" >"$work/pretrain.log" 2>&1; then
    tar -czf "$OUT/pretrain_configs.tar.gz" -C "$work" pretrain_configs && log "pretrain reference: $(du -h "$OUT/pretrain_configs.tar.gz" | cut -f1)"
  else
    log "pretrain reference FAILED:" && tail -n 20 "$work/pretrain.log"
    cp "$work/pretrain.log" "$OUT/pretrain.log"
  fi
else
  log "pretrain reference: no $gen in this checkout, skipped"
fi

# 2. Unpack node, Dawn and the bundle (python's lzma: xz itself may be missing there).
rm -rf "$work/bin" && mkdir -p "$work/bin/dist/linux-x64"
log "unpack .gpu/"
unxz_py .gpu/node.xz "$work/bin/node" && chmod +x "$work/bin/node"
unxz_py .gpu/dawn.node.xz "$work/bin/dist/linux-x64/dawn.node"
unxz_py .gpu/train-node.mjs.xz "$work/bin/train-node.mjs"
unxz_py .gpu/attention-node.mjs.xz "$work/bin/attention-node.mjs"
cat .gpu/MANIFEST
NODE="$work/bin/node"
"$NODE" --version || { log "the packed node does not run here"; exit 1; }

# 3. The graphics stack Dawn will use.
# Dawn's OpenGL ES backend needs an EGL display without a window system.
export EGL_PLATFORM=surfaceless
if [ "$SMOKE" = 1 ]; then
  flag_sets=("backend=opengles+compat")
  torch_device=cpu
  configs=("tiny 4x64 1" "tiny 4x64 2")
  steps=2
else
  # grep without -q: with -q it can exit first, ldconfig dies of SIGPIPE, and pipefail reads that as no match.
  if ! ldconfig -p 2>/dev/null | grep 'libvulkan.so.1 ' >/dev/null; then
    log "no Vulkan loader on this machine: unpacking the carried Vulkan and GL dispatch libraries"
    for deb in .gpu/debs/*.deb; do dpkg -x "$deb" /; done
    ldconfig
  fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  [ -d /usr/local/nvidia/lib64 ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64"
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  # Vulkan is what the NVIDIA driver offers Dawn as a core adapter; the rest are fallbacks worth 2 s each.
  flag_sets=("backend=vulkan" "" "backend=opengles+compat")
  torch_device=cuda
  configs=("small 16x224 1" "base 16x224 1" "small 16x224 2" "base 16x224 2" "small 16x224 4" "base 16x224 4")
  steps=5
  nvidia-smi -L 2>&1 | sed 's/^/  /'
fi

# 4. Which adapter Dawn gives (a tiny step proves the whole path): the first of flag_sets that runs it.
# Each is Dawn create() flags, `+compat` asking for a compatibility-level adapter.
flags=""
compat=()
found=0
for candidate in "${flag_sets[@]}"; do
  flags=${candidate%+compat}
  compat=()
  [ "$flags" != "$candidate" ] && compat=(--compat)
  name="probe-${candidate:-default}"
  name=${name//[=+]/-}
  if piece "$name" 90 "$NODE" "$work/bin/train-node.mjs" --preset tiny --input 2x32 --batch 1 --warmup 0 --steps 1 \
    ${flags:+--backend-flags "$flags"} "${compat[@]}"; then
    found=1
    "$PYTHON" -c 'import json,sys; print("  adapter:", json.dumps(json.load(open(sys.argv[1]))["adapter"]))' "$work/$name.out"
    break
  fi
done
[ $found = 1 ] || log "no Dawn adapter ran the tiny step: the WebGPU side will have no figures"

# 4b. Fused attention against tfjs's stock ops at ViT-B's shape (and a batch of small ones), on the same adapter.
if [ $found = 1 ]; then
  attention_shapes=all
  [ "$SMOKE" = 1 ] && attention_shapes=small
  piece attention 150 "$NODE" "$work/bin/attention-node.mjs" --shapes "$attention_shapes" --reps 3 \
    ${flags:+--backend-flags "$flags"} "${compat[@]}"
fi
[ "${GPU_MEASURE_SKIP_TRAIN:-0}" = 1 ] && configs=()

# 5. PyTorch eager first (quick, and its figures stand even if the WebGPU side fails), then ours.
for config in "${configs[@]}"; do
  read -r preset input batch <<<"$config"
  frames=${input%x*}
  size=${input#*x}
  shape=$("$PYTHON" -c '
import sys
p = {"tiny": (128, 4, 4, 256), "small": (384, 12, 6, 1536), "base": (768, 12, 12, 3072)}[sys.argv[1]]
print("--hidden %d --layers %d --heads %d --intermediate %d" % p)' "$preset")
  [ "${GPU_MEASURE_SKIP_TORCH:-0}" = 1 ] && continue
  # shellcheck disable=SC2086
  piece "torch-$preset-$input-b$batch" 90 "$PYTHON" bench/train_reference.py $shape --patch 16 --tubelet 2 \
    --frames "$frames" --image "$size" --batch "$batch" --labels 10 --warmup 2 --steps 10 --device "$torch_device"
done
if [ $found = 1 ]; then
  for config in "${configs[@]}"; do
    read -r preset input batch <<<"$config"
    piece "webgpu-$preset-$input-b$batch" 150 "$NODE" "$work/bin/train-node.mjs" --preset "$preset" --input "$input" \
      --batch "$batch" --warmup 2 --steps "$steps" ${flags:+--backend-flags "$flags"} "${compat[@]}"
  done
fi

# 6. Side by side.
"$PYTHON" - "$results" "$OUT/summary.json" <<'PY'
import json, sys
pieces = [json.loads(line) for line in open(sys.argv[1])]
by = {p["piece"]: p for p in pieces}
rows = []
adapter = next((p["result"]["adapter"] for p in pieces if p["piece"].startswith("probe") and p["result"]), None)
for name, p in by.items():
    if not name.startswith("webgpu-") and not name.startswith("torch-"):
        continue
    key = name.split("-", 1)[1]
    if name.startswith("torch-") and f"webgpu-{key}" in by:
        continue
    ours, torch = by.get(f"webgpu-{key}"), by.get(f"torch-{key}")
    ours_ms = ours["result"]["ours"]["stepMsMedian"] if ours and ours["result"] else None
    torch_ms = torch["result"]["step_ms_median"] if torch and torch["result"] else None
    rows.append({
        "config": key,
        "webgpuStepMsMedian": ours_ms,
        "webgpuStepMsAll": ours["result"]["ours"]["stepMsAll"] if ours_ms else None,
        "webgpuMemoryMiB": ours["result"]["ours"]["memoryAfterStepMaxMiB"] if ours_ms else None,
        "pytorchStepMsMedian": round(torch_ms, 2) if torch_ms else None,
        "pytorchFramework": torch["result"]["framework"] if torch_ms else None,
        "ratioOursToPytorch": round(torch_ms / ours_ms, 4) if ours_ms and torch_ms else None,
        "errors": [p["error"] for p in (ours, torch) if p and p["error"]],
    })
summary = {"adapter": adapter, "note": "ratio = PyTorch step ms / ours (clips/s ours over clips/s PyTorch); medians of few steps", "rows": rows}
json.dump(summary, open(sys.argv[2], "w"), indent=2)
print(f"adapter: {json.dumps(adapter)}")
print(f"{'config':<22}{'webgpu ms':>12}{'pytorch ms':>12}{'ratio':>9}  errors")
for r in rows:
    print(f"{r['config']:<22}{str(r['webgpuStepMsMedian']):>12}{str(r['pytorchStepMsMedian']):>12}{str(r['ratioOursToPytorch']):>9}  {'; '.join(r['errors'])[:120]}")
PY
log "done; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
