// Turns one GPU-machine run of bench/gpu-device.sh into bench/results/gpu-<date>.json (the schema
// of gpu-h100-2026-11-26.json: `records` with `where`, `loadColdMs`, `runs[].allFiveMs` /
// `firstImageMs`; one WebGPU record for the shipped default config, one PyTorch record) and a
// README beside it. Plain Node, no build: it runs on the GPU machine after the measurements.
//   node bench/gpu-results.mjs RAW_DIR OUT_DIR
// RAW_DIR holds webgpu-{capture,gpu,cpu}.json (bench/out/gpu/gpu-bench.mjs, one fresh process
// each), torch.json (bench/gpu_torch.py), parity.json (gpu-loop-parity.mjs), nvidia-smi.csv, meta.json,
// and for text-to-image (issue 19 item 2) webgpu-t2i.json (gpu-bench --t2i: the MLLM on WebGPU,
// decoders captured) and torch-t2i.json (gpu_torch.py --t2i): the `textToImage` records.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const [rawDir, outDir] = process.argv.slice(2);
const read = (f) => {
  const p = resolve(rawDir, f);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8').trim().split('\n').pop());
  } catch {
    return null;
  }
};
const meta = read('meta.json') ?? {};
const date = meta.date ?? new Date().toISOString().slice(0, 10);
const smi = existsSync(resolve(rawDir, 'nvidia-smi.csv')) ? readFileSync(resolve(rawDir, 'nvidia-smi.csv'), 'utf8').trim().split('\n').slice(1).join('; ') : 'unknown';

// bench config name -> what it is; the first is what the engine ships on WebGPU (DEFAULT_GPU_DECODE)
const CONFIGS = [
  ['capture', 'GPU loop + graph capture, the default'],
  ['gpu', 'GPU loop, uncaptured'],
  ['cpu', 'CPU loop (v read back every step)'],
];
const webgpu = (name) => {
  const d = read(`webgpu-${name}.json`);
  const r = d?.records?.[0];
  if (!r) return null;
  return { where: d.where, config: r.config, captureActive: r.captureActive, captureFailure: r.captureFailure, encoderCaptured: r.encoderCaptured, encoderCaptureFailure: r.encoderCaptureFailure, adapter: d.adapter, shimSha256: d.shimSha256, steps: d.steps, loadColdMs: r.loadMs, coldStart: d.coldStart, models: r.models, runs: r.runs };
};
const records = [];
const alternatives = [];
for (const [name] of CONFIGS) {
  const r = webgpu(name);
  if (r) (name === 'capture' ? records : alternatives).push(r);
}
const torch = read('torch.json');
if (torch) records.push(torch);
const parity = read('parity.json');
// text to five images, the same pipeline on both sides: the plan, five MLLM calls, each scale decoded
// (the plan drafted and verified several tokens a call, the engine's default, and one call per token:
// webgpu-t2i-nodrafts.json, torch-t2i-drafted.json; each WebGPU row is compared with PyTorch's of its kind)
const t2iWebgpuOf = (f) => {
  const d = read(f);
  const r = d?.records?.[0];
  return r ? { where: d.where, config: r.config, mllmWhere: r.mllmWhere, mllmCaptured: r.mllmCaptured, planDrafts: r.planDrafts ?? false, captureActive: r.captureActive, captureFailure: r.captureFailure, adapter: d.adapter, steps: d.steps, prompt: r.prompt, loadColdMs: r.loadMs, runs: r.runs } : null;
};
const t2iWebgpu = t2iWebgpuOf('webgpu-t2i.json');
const t2iWebgpuOneByOne = t2iWebgpuOf('webgpu-t2i-nodrafts.json');
// the MLLM's graph without graph capture (gpu-bench --no-mllm-capture): what capture is measured against
const t2iWebgpuUncaptured = t2iWebgpuOf('webgpu-t2i-uncaptured.json');
const t2iTorch = read('torch-t2i.json');
const t2iTorchDrafted = read('torch-t2i-drafted.json');
const textToImage = [t2iWebgpu, t2iTorchDrafted, t2iWebgpuUncaptured, t2iWebgpuOneByOne, t2iTorch].filter(Boolean);

const result = {
  date,
  machine: { gpu: smi, cpu_cores: meta.cpuCores, note: `device machine; Node ${meta.node ?? '?'} + Dawn (npm webgpu) via the webgpu-device shim; onnxruntime-web ${meta.ort ?? '?'} WebGPU EP (the native C++ EP of onnxruntime-web/webgpu); models: public/models at ${meta.commit ?? '?'}` },
  records,
  alternatives,
  textToImage,
  parity: parity && { ok: parity.ok, tolerance: parity.tolerance, steps: parity.steps, results: parity.results },
};
writeFileSync(resolve(outDir, `gpu-${date}.json`), JSON.stringify(result, null, 1) + '\n');

// the README: last run of each config, range over the runs after the first (shader compilation, capture)
const ms = (x) => (x === undefined ? '–' : `${Math.round(x)} ms`);
const steady = (r, k) => {
  const xs = r.runs.slice(1).map((x) => x[k]);
  return xs.length ? `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))} ms` : '–';
};
const torchAll = torch?.runs?.length ? torch.runs[torch.runs.length - 1].allFiveMs : undefined;
const ratio = (r) => (torchAll ? `${(r.runs[r.runs.length - 1].allFiveMs / torchAll).toFixed(2)}x` : '–');
const rows = [];
for (const [name, label] of CONFIGS) {
  const r = webgpu(name);
  if (!r) {
    rows.push(`| ${label} | no result (see raw.tar.gz: webgpu-${name}.log) | | | | |`);
    continue;
  }
  const last = r.runs[r.runs.length - 1];
  const cap = name === 'capture' ? (r.captureActive ? ' (captured)' : ` (capture off: ${r.captureFailure ?? 'not active'})`) : '';
  // records before 2026-12-01's fixed-batch encoder have no encoderCaptured
  const enc = name === 'capture' && r.encoderCaptured !== undefined ? (r.encoderCaptured ? ', encoder captured' : `, encoder uncaptured${r.encoderCaptureFailure ? ` (${r.encoderCaptureFailure})` : ''}`) : '';
  rows.push(`| ${label}${cap}${enc} | ${ms(last.allFiveMs)} | ${steady(r, 'allFiveMs')} | ${ms(last.firstImageMs)} | ${ratio(r)} | ${ms(r.loadColdMs)} |`);
}
if (torch) {
  const last = torch.runs[torch.runs.length - 1];
  rows.push(`| ${torch.where} | ${ms(last.allFiveMs)} | ${steady(torch, 'allFiveMs')} | ${ms(last.firstImageMs)} | 1.00x | ${ms(torch.loadColdMs)} |`);
}
const t2iRow = (r, label, base) => {
  const last = r.runs.at(-1);
  const baseLast = base?.runs?.at(-1);
  const vs = baseLast ? `${(last.allFiveMs / baseLast.allFiveMs).toFixed(2)}x` : '–';
  const plan = String(last.plan ?? r.plan ?? '?').replaceAll('|', '\\|'); // "concept | style | tone" inside a table cell
  return `| ${label} | ${plan} | ${ms(last.mllmMs)} (${last.mllmCalls ?? '?'} calls${last.candidateCalls ? `; ${last.candidateCalls} more for the plan chips after the images` : ''}) | ${ms(last.firstImageMs)} | ${ms(last.allFiveMs)} | ${steady(r, 'allFiveMs')} | ${vs} | ${ms(r.loadColdMs)} |`;
};
// records before 2026-12-02's captured MLLM have no mllmCaptured
const mllmCaptureNote = (c) => (!c ? '' : c.active ? ', captured' : c.asked ? `, capture left (${c.failure})` : ', uncaptured');
const webgpuLabel = (w) => `WebGPU: MLLM on ${w.mllmWhere?.provider ?? '?'}${w.mllmWhere?.reason ? ` (${w.mllmWhere.reason})` : ''}${mllmCaptureNote(w.mllmCaptured)}, decoders ${w.captureActive ? 'captured' : `uncaptured (${w.captureFailure ?? 'capture off'})`}`;
const none = (what, log) => `| ${what} | no result (see raw.tar.gz: ${log}) | | | | | | |`;
const t2iRows = [
  t2iWebgpu ? t2iRow(t2iWebgpu, `${webgpuLabel(t2iWebgpu)}, plan ${t2iWebgpu.planDrafts ? 'drafted (the default)' : 'one call per token'}`, t2iWebgpu.planDrafts ? t2iTorchDrafted : t2iTorch) : none('WebGPU', 'webgpu-t2i.log'),
  t2iTorchDrafted ? t2iRow(t2iTorchDrafted, `${t2iTorchDrafted.where}, plan drafted (perfect drafts)`, t2iTorchDrafted) : none('PyTorch, plan drafted', 'torch-t2i-drafted.log'),
  ...(t2iWebgpuUncaptured ? [t2iRow(t2iWebgpuUncaptured, `${webgpuLabel(t2iWebgpuUncaptured)}, plan drafted`, t2iTorchDrafted)] : []),
  ...(t2iWebgpuOneByOne ? [t2iRow(t2iWebgpuOneByOne, `${webgpuLabel(t2iWebgpuOneByOne)}, plan one call per token`, t2iTorch)] : []),
  ...(t2iTorch ? [t2iRow(t2iTorch, `${t2iTorch.where}, plan one call per token`, t2iTorch)] : []),
];
const cap = webgpu('capture');
const coldRows = cap?.models?.map((x) => `| ${x.file} | ${x.readMs === undefined ? '–' : x.readMs.toFixed(1) + ' ms'} | ${x.createMs === undefined ? '–' : Math.round(x.createMs) + ' ms'} |`) ?? [];
const parityLines = parity ? parity.results.filter((x) => x.config !== 'cpu (reference)').map((x) => `${x.scale} ${x.config}: ${x.maxAbs.toExponential(1)} (${Math.round(x.ms)} ms)`) : [];
const md = `# GPU run, ${date} (${smi})

Command, on the GPU machine from the repository root: \`bash bench/gpu-device.sh\` (see bench/README.md "GPU"),
${meta.steps ?? '?'} DDIM steps, ${meta.runs ?? '?'} runs, one fresh Node process per WebGPU config; models: public/models at ${meta.commit ?? '?'}.
WebGPU here is onnxruntime-web ${meta.ort ?? '?'}'s native WebGPU EP (\`onnxruntime-web/webgpu\`) on Dawn in Node ${meta.node ?? '?'}
(shim ${cap?.shimSha256 ?? '?'}); the page imports \`onnxruntime-web\`, whose WebGPU is the JSEP build.

## All five reconstructions

| path | all five (last run) | runs 2.. | first image (last run) | vs PyTorch | load (cold, fresh process) |
|---|---|---|---|---|---|
${rows.join('\n')}

## Text to five images (prompt "${t2iWebgpu?.prompt ?? t2iTorch?.prompt ?? '?'}")

Each WebGPU row against the PyTorch row of its kind of plan writing (the same plan either way).

| path | plan | MLLM (its calls, last run) | first image | all five (last run) | runs 2.. | vs PyTorch | load (cold) |
|---|---|---|---|---|---|---|---|
${t2iRows.join('\n')}

## Cold start of the default config (fresh process, per model: file read, session creation)

Engine load ${ms(cap?.loadColdMs)}; process start to the engine's first load: import ${ms(cap?.coldStart?.importMs)}.

| file | read | session |
|---|---|---|
${coldRows.join('\n')}

## Parity with the CPU loop (x0 max |diff|, tolerance ${parity?.tolerance?.toExponential(1) ?? '?'}): ${parity ? (parity.ok ? 'ok' : 'FAILED') : 'no result'}

${parityLines.join('; ')}

Raw outputs and logs: \`raw.tar.gz\` (not committed).
`;
writeFileSync(resolve(outDir, `gpu-${date}.md`), md);
console.log(`wrote ${outDir}/gpu-${date}.json, ${outDir}/gpu-${date}.md`);
