// The plan bar's line for a plan drawn in another style than the model wrote (PlanInfo.wroteStyle, manifest
// mllm.known_styles): a sketch of an emoji the model learned in one style only. Pure, so the wording is tested
// without a page.
import type { PlanSpec } from '../../workers/lib/manifest';
import { styleLabel, type PlanInfo } from '../../workers/mllm/plan';

/** The line under such a plan; null for any other. */
export function knownStyleLine(spec: PlanSpec, plan: PlanInfo): string | null {
  if (!plan.wroteStyle || plan.wroteStyle === plan.fields.style) return null;
  const drawn = styleLabel(spec, plan.fields.style ?? '');
  const wrote = styleLabel(spec, plan.wroteStyle);
  return `Drawn in ${drawn}: the model wrote ${wrote}, but it learned this emoji in ${drawn} only. Pick ${wrote} above to draw it that way anyway.`;
}
