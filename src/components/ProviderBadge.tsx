import { useApp } from '../store';

/** Which backend runs the models, and why; plus cache and threading facts. */
export function ProviderBadge() {
  const { provider, providerReason, adapter, threads, isolated, cache } = useApp();
  if (!provider) return <span className="badge" data-testid="provider">runtime: choosing…</span>;
  return (
    <span className="status-line">
      <span className={`badge badge-${provider}`} data-testid="provider" data-provider={provider} title={providerReason ?? ''}>
        {provider === 'webgpu' ? `WebGPU${adapter ? ` (${adapter})` : ''}` : `WASM, ${threads} thread${threads > 1 ? 's' : ''}${isolated ? '' : ' (not cross-origin isolated)'}`}
      </span>
      {providerReason && <span className="muted" data-testid="provider-reason"> {providerReason}</span>}
      {cache?.status === 'unavailable' && (
        <span className="warn" data-testid="cache-off"> Storage refused ({cache.reason}): models are not cached and will download again next visit.</span>
      )}
    </span>
  );
}
