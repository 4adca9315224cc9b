// The sample images (held-out emoji) listed in public/samples/samples.json, fetched once per page.
export interface Sample {
  file: string;
  name: string;
  vendor: string;
  /** the emoji's code points ("1F604"): what the image shows, for hints (the Edit tab's tones) */
  concept?: string;
}

let samples: Promise<Sample[]> | null = null;

export function loadSamples(): Promise<Sample[]> {
  samples ??= fetch(new URL('samples/samples.json', document.baseURI))
    .then((r) => r.json())
    .then((j: { samples: Sample[] }) => j.samples)
    .catch(() => []);
  return samples;
}

export function sampleUrl(s: Sample): string {
  return new URL(`samples/${s.file}`, document.baseURI).href;
}
