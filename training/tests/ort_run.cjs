// Runs an ONNX graph with onnxruntime-node (CPU) on feeds written by a Python test:
//   node training/tests/ort_run.cjs model.onnx feeds.json out.json [optimized.onnx]
// feeds.json: [{name: {shape, dtype: "int64"|"int32"|"float32", data_b64}}, ...] (one object per call;
// a call may name "@present" to feed the previous call's present_* outputs as past_*).
// out.json: the outputs of every call in the same encoding (float32).
const fs = require("fs");
const ort = require("onnxruntime-node");

function decode(t) {
  const buf = Buffer.from(t.data_b64, "base64");
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = t.dtype === "int64" ? new BigInt64Array(ab) : t.dtype === "int32" ? new Int32Array(ab) : new Float32Array(ab);
  return new ort.Tensor(t.dtype, data, t.shape);
}

function encode(t) {
  const f = Float32Array.from(t.data, (x) => Number(x));
  return { shape: t.dims, dtype: "float32", data_b64: Buffer.from(f.buffer).toString("base64") };
}

(async () => {
  const [model, feedsPath, outPath, optimizedPath] = process.argv.slice(2);
  // optimizedPath: where onnxruntime writes the graph as it runs it (after constant folding)
  const opts = { executionProviders: ["cpu"], ...(optimizedPath ? { optimizedModelFilePath: optimizedPath, graphOptimizationLevel: "basic" } : {}) };
  const session = await ort.InferenceSession.create(model, opts);
  const calls = JSON.parse(fs.readFileSync(feedsPath, "utf8"));
  const results = [];
  let prev = null;
  for (const call of calls) {
    const feeds = {};
    for (const [k, v] of Object.entries(call)) if (k !== "@present") feeds[k] = decode(v);
    if (call["@present"]) {
      for (const [k, v] of Object.entries(prev)) if (k.startsWith("present_")) feeds[k.replace("present_", "past_")] = v;
    }
    const out = await session.run(feeds);
    prev = out;
    results.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, encode(v)])));
  }
  fs.writeFileSync(outPath, JSON.stringify(results));
})().catch((e) => { console.error(e); process.exit(1); });
