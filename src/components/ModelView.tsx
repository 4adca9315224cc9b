import type { RGBAImage } from '../../workers/lib/image';
import { RgbaCanvas } from './RgbaCanvas';

/** An image as the model is given it (64x64), or an empty placeholder until it exists. */
export function ModelView({ image, label, caption, className, thumb, testid }: { image: RGBAImage | null; label: string; caption: string; className: string; thumb?: boolean; testid?: string }) {
  return (
    <figure className={className} data-testid={testid}>
      {image ? <RgbaCanvas image={image} label={label} className={thumb ? 'thumb' : undefined} /> : <div className="pending" />}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
