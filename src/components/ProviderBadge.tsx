import { useApp } from '../store';

/** Where each model runs, and why: the encoder and decoders, then the MLLM (which stays on WASM
 * on a CPU-emulated GPU, or after it failed on WebGPU); plus cache and threading facts. Plain
 * text, so a screen reader reads the same as the eye sees (the title only repeats it). */
export function ProviderBadge() {
  const { provider, providerReason, adapter, threads, isolated, cache, mllmProvider, mllmReason } = useApp();
  if (!provider) return <span className="badge" data-testid="provider">runtime: choosing…</span>;
  const wasm = `WASM, ${threads} thread${threads > 1 ? 's' : ''}${isolated ? '' : ' (not cross-origin isolated)'}`;
  return (
    <span className="status-line">
      <span className={`badge badge-${provider}`} data-testid="provider" data-provider={provider} title={providerReason ?? ''}>
        {mllmProvider ? 'Encoder, decoders: ' : ''}
        {provider === 'webgpu' ? `WebGPU${adapter ? ` (${adapter})` : ''}` : wasm}
      </span>
      {mllmProvider && (
        <>
          {' '}
          <span className={`badge badge-${mllmProvider}`} data-testid="provider-mllm" data-provider={mllmProvider} title={mllmReason ?? ''}>
            MLLM: {mllmProvider === 'webgpu' ? 'WebGPU' : provider === 'webgpu' ? wasm : 'WASM'}
          </span>
          {mllmReason && <span className="muted" data-testid="provider-mllm-reason"> (MLLM on WASM: {mllmReason})</span>}
        </>
      )}
      {providerReason && <span className="muted" data-testid="provider-reason"> {providerReason}</span>}
      {cache?.status === 'unavailable' && (
        <span className="warn" data-testid="cache-off"> Storage refused ({cache.reason}): models are not cached and will download again next visit.</span>
      )}
    </span>
  );
}
