import { useEffect, useRef } from 'react';
import type { RGBAImage } from '../../workers/lib/image';

/** Draws RGBA pixels at their true size; CSS scales it up without smoothing. */
export function RgbaCanvas({ image, label, className }: { image: RGBAImage; label: string; className?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className={`pixels ${className ?? ''}`} role="img" aria-label={label} width={image.width} height={image.height} />;
}
