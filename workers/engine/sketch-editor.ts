// The sketch editor's rule on the page (manifest mllm.sketch_edit names the editor, role "sketch_editor";
// training/sketch_editor.py): a colour image's edge map holds its design (where one colour meets another), which the
// MLLM, drawing the concept it recognises from memory, loses; the editor (local-editor.ts) redraws the sketch's f0
// from that design and the MLLM's own f0 drawing. A line drawing's edge map (the canvas's) holds only its strokes,
// which the editor cannot fill, so the MLLM's drawing stands. The thresholds are the manifest's (integers on 8-bit
// RGB), so this decides exactly as eval_mllm's sketch_edited (training/sketch_editor.py has_colour).
import type { Manifest, SketchEditSpec } from '../lib/manifest';
import type { RGBAImage } from '../lib/image';
import type { Pyramid } from '../mllm/generate';
import type { LocalEditor } from './local-editor';

/** Whether an image (8-bit RGB; alpha ignored, as the encoder ignores it) has colour under the rule: at least
 * 1/share_div of its ink (darkest channel below ink_below) is coloured (channels spread by more than chroma_above). */
export function hasColour(image: Pick<RGBAImage, 'data'>, rule: Pick<SketchEditSpec, 'ink_below' | 'chroma_above' | 'share_div'>): boolean {
  const d = image.data;
  let ink = 0;
  let coloured = 0;
  for (let i = 0; i < d.length; i += 4) {
    const lo = Math.min(d[i], d[i + 1], d[i + 2]);
    if (lo >= rule.ink_below) continue;
    ink++;
    if (Math.max(d[i], d[i + 1], d[i + 2]) - lo > rule.chroma_above) coloured++;
  }
  return ink > 0 && rule.share_div * coloured >= ink;
}

/** Whether the editor's training designs hold one near this sketch (manifest mllm.sketch_edit.near; stop 73): its
 * near output, read from the sketch's f0 alone (the drawing's input zeros), at least the rule's threshold. The editor
 * redraws the trained styles' designs well and an unseen style's (OpenMoji's outlines) worse than the MLLM draws them. */
export async function nearTrainedDesign(
  rule: Pick<SketchEditSpec, 'near'>,
  editor: Pick<LocalEditor, 'output'>,
  sketchF0: Float32Array,
): Promise<boolean> {
  if (!rule.near) return true;
  const [near] = await editor.output(rule.near.output, sketchF0, new Float32Array(sketchF0.length));
  return near >= rule.near.threshold;
}

/** A sketch's redrawing, where the manifest has a sketch editor, the given image (before its edge map) has colour and,
 * under the rule's `near`, the sketch is near a design the editor trained on (nearTrainedDesign, asked here, before the
 * MLLM draws): a function of the MLLM's drawn pyramid that gives the editor's pyramid from the sketch's f0 (`sketch`,
 * the encoder's pyramid of the edge map) and the drawing's f0; undefined where the sketch is the MLLM's alone. `run`
 * wraps each editor call (the engine's guard against a lost GPU device). An editor the manifest names but the engine
 * lacks is an error, never the MLLM's drawing in its place: the MLLM's load fails without it (mllm-load.ts). */
export async function sketchEditFor(
  m: Pick<Manifest, 'mllm' | 'scales'>,
  editor: LocalEditor | null | undefined,
  given: Pick<RGBAImage, 'data'>,
  sketch: Pyramid,
  run: <T>(p: Promise<T>) => Promise<T> = (p) => p,
): Promise<((drawn: Pyramid) => Promise<Pyramid>) | undefined> {
  const rule = m.mllm?.sketch_edit;
  if (!rule || !hasColour(given, rule)) return undefined;
  if (!editor) throw new Error(`this model's colour sketches are redrawn by the sketch editor "${rule.model}", which was not loaded`);
  const f0 = m.scales[0].name;
  if (!sketch[f0]) throw new Error(`the sketch editor reads the sketch's ${f0}, which its pyramid lacks`);
  if (!(await run(nearTrainedDesign(rule, editor, sketch[f0])))) return undefined;
  return async (drawn: Pyramid) => {
    if (!drawn[f0]) throw new Error(`the sketch editor reads the MLLM's ${f0}, which was not drawn`);
    return run(editor.pyramid(sketch[f0], drawn[f0]));
  };
}
