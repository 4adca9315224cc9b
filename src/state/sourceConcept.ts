// What the page learns about a tab's input image from the model's plans: the concept a plan
// names (" hot beverage | noto | none" -> "hot beverage"). The page cannot know an uploaded
// image's concept before a run; after one, the plan says what the model took it for, and a
// result sent on carries the concept its plan drew. Used for hints (the Edit tab's tone
// suggestions), never to change what runs. Pure functions.
import type { PlanInfo, PlanSpec } from '../../workers/mllm/plan';
import type { Picked, Run, SourceConcept } from './types';

/** The concept field of a plan (the manifest's first plan field), or null when none was written. */
export function planConcept(spec: PlanSpec | null | undefined, plan: PlanInfo | null | undefined): string | null {
  if (!spec || !plan?.text) return null;
  return plan.fields[spec.fields[0]]?.trim() || null;
}

/** The concept a finished run teaches its tab's pick, or null when it teaches nothing: the run
 * read another image (picked since), wrote no plan, or the pick's concept is already better
 * known (a sample's own, or the plan that drew it). A newer reading replaces an older one. */
export function learnedConcept(picked: Picked | undefined, run: Run, spec: PlanSpec | null | undefined): SourceConcept | null {
  if (!picked || run.pickSeq !== picked.seq || (picked.concept && picked.concept.from !== 'read')) return null;
  const name = planConcept(spec, run.plan);
  return name ? { name, from: 'read' } : null;
}

/** What a result shows, for sending it on: the concept the plan that drew it names. */
export function drawnConcept(spec: PlanSpec | null | undefined, plan: PlanInfo | null | undefined): SourceConcept | undefined {
  const name = planConcept(spec, plan);
  return name ? { name, from: 'drawn' } : undefined;
}
