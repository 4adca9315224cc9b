// Settings: the sampler (steps, guidance, seed), the prompt and the scales text-to-image asks
// for, the tab shown, the image each tab was given; a shared link read into them once the
// manifest says what is allowed; the history of finished runs (the first tab's, and the image
// tabs' with the image they were given), and putting one back.
import { TASK_NEEDS } from '../../workers/engine/tasks/needs';
import type { TaskName } from '../../workers/engine/tasks/registry';
import { allowedSteps, nearestSteps } from '../../workers/lib/manifest';
import { checkGuidance, checkSeed, checkSteps } from '../inputValidation';
import { readShareHash } from '../shareLink';
import { imageUse, SEND_TARGETS, tabOfTask, tabSpec, type ImageTab } from '../tabs';
import { noticeOf, type HistoryEntry } from '../resultHistory';
import type { RGBAImage } from '../../workers/lib/image';
import type { ConditionalRequest, UnderstandRequest } from '../../workers/engine/tasks/registry';
import type { SliceContext } from './context';
import { learnedConcept } from './sourceConcept';
import { holeMask, maskImage } from '../../workers/lib/mask';
import { idleRun, type AnyRequest, type AppState, type RestoredRun, type Run, type ScaleResult, type SettingsActions, type SettingsState } from './types';

export function settingsSlice(ctx: SliceContext): { state: SettingsState; actions: SettingsActions } {
  const { set, get, env } = ctx;
  const history = env.history;
  let pickSeq = 0;
  let sharedApplied = false;
  /** The model's input size (manifest image.size): the history's stored images are read and added at it. */
  const inputSide = () => get().manifest?.image.size ?? null;
  const listed = () => history.list(inputSide());

  /** The settings in the page address (a shared link), checked like typed input, once. The page
   * says what the link did (read, or could not be read) and never runs it unasked: a visitor may
   * be on a metered connection. */
  ctx.hooks.manifestRead = () => {
    // the stored images of the tabs that take one are read once the model's size is known
    set({ history: listed() });
    const f = get().facts;
    if (sharedApplied || !f) return;
    sharedApplied = true;
    const link = readShareHash(env.shareHash());
    if (link.status === 'none') return;
    const h = link.settings;
    const patch: Partial<AppState> = {};
    // a count this model does not offer (a link made before the decoders were step-distilled) runs with the nearest it does
    const stepsMoved = h.steps != null && !checkSteps(h.steps, f.sampler).ok;
    if (h.steps != null) patch.steps = stepsMoved ? nearestSteps(h.steps, allowedSteps(f.sampler)) : h.steps;
    if (h.guidance != null && checkGuidance(h.guidance, f.sampler).ok) patch.guidance = h.guidance;
    if (h.seed != null && checkSeed(h.seed).ok) patch.seed = h.seed;
    const scales = (h.scales ?? []).filter((x) => get().scales.includes(x));
    if (scales.length) patch.t2iScales = scales;
    if (h.prompt) patch.prompt = h.prompt;
    // a linked plan is drawn by the next Generate, on a model that has one
    if (h.prompt && h.plan && get().manifest?.mllm?.plan) patch.planOverride = h.plan;
    // what the link held that this model does not allow is named, not silently dropped
    const applied = { steps: 'steps', guidance: 'guidance', seed: 'seed', scales: 't2iScales', prompt: 'prompt' } as const;
    const dropped = [...link.dropped.filter((k) => k !== 'task'), ...(Object.keys(applied) as (keyof typeof applied)[]).filter((k) => h[k] != null && !(applied[k] in patch))];
    const left = dropped.length ? ` Left out, not usable with this model: ${dropped.join(', ')}.` : '';
    const moved = stepsMoved ? ` The link's ${h.steps} steps are not offered by this model: runs use ${patch.steps}.` : '';
    // a link whose only usable setting was a steps count this model does not offer reads as nothing read
    const read = Object.keys(patch).some((k) => k !== 'steps') || (patch.steps != null && !stepsMoved);
    set({
      ...patch,
      notice: read ? `Settings from a shared link: press Generate to draw them.${left}${moved}` : `This link’s settings could not be read; the page starts fresh.${moved}`,
    });
  };

  /** A finished run: its tab's picked image learns the concept the run's plan names; a tab that
   * keeps history gets thumbnails and the settings that made it. */
  ctx.hooks.finished = (tab, run: Run) => {
    const s = get();
    if (tab !== 'main') {
      const picked = s.picked[tab];
      const concept = learnedConcept(picked, run, s.manifest?.mllm?.plan);
      if (picked && concept) set({ picked: { ...s.picked, [tab]: { ...picked, concept } } });
    }
    const images = Object.values(run.results).flatMap((r) => (r.image ? [{ scale: r.scale, image: r.image }] : []));
    if (!run.task || run.fromHistory) return;
    if (!tabSpec(tab).page) return void addImageRun(run, images);
    if (!images.length) return;
    // a prompt and its seed make a prompt task again; an image task keeps the image's name
    const prompted = TASK_NEEDS[run.task].inputs.includes('prompt');
    const r = history.add({
      task: run.task,
      prompt: prompted ? run.text : undefined,
      inputName: prompted ? undefined : run.inputName ?? undefined,
      seed: prompted ? s.seed : undefined,
      steps: s.steps,
      guidance: prompted ? s.guidance : undefined,
      scales: images.map((i) => i.scale),
      plan: prompted ? run.plan?.text : undefined,
      planInfo: run.plan ?? undefined,
      images,
    }, inputSide());
    set({ history: listed(), historyNotice: noticeOf(r) });
  };

  /** A finished run of a tab that takes an image (Edit, Canvas, Understand): the 64x64 image the
   * engine read and its request's own fields, so picking it puts the same run back. */
  const addImageRun = (run: Run, images: { scale: string; image: RGBAImage }[]) => {
    const req = run.request as (Partial<ConditionalRequest> & Partial<UnderstandRequest>) | null;
    const task = run.task!;
    const text = TASK_NEEDS[task].output === 'text';
    if (!run.input || !req || (text ? !run.answer : !images.length)) return;
    const sampler = TASK_NEEDS[task].sampler;
    const side = inputSide();
    const r = history.add({
      task,
      inputName: run.inputName ?? undefined,
      input: run.input,
      instruction: task === 'understand' ? (req.caption ? '' : req.question ?? '') : req.instruction,
      restyle: task === 'edit' && typeof req.restyle === 'boolean' ? req.restyle : undefined,
      keepUnmasked: task === 'inpaint' && typeof req.keepUnmasked === 'boolean' ? req.keepUnmasked : undefined,
      // the hole as the engine read it (the same reading), so the canvas can give it back exactly
      mask: task === 'inpaint' && req.mask && side != null ? holeMask(req.mask, side) : undefined,
      seed: sampler ? req.seed : undefined,
      steps: sampler ? req.steps : undefined,
      guidance: sampler ? req.guidance : undefined,
      scales: images.length ? images.map((i) => i.scale) : undefined,
      answer: text ? run.answer : undefined,
      planInfo: run.plan ?? undefined,
      images,
    }, side);
    set({ history: listed(), historyNotice: noticeOf(r) });
  };

  /** The sampler settings an entry was made with, checked like typed input; `moved`: its steps are no longer offered. */
  const samplerOf = (e: HistoryEntry): { patch: Partial<AppState>; moved: string | null } => {
    const s = get();
    const patch: Partial<AppState> = {};
    let moved: string | null = null;
    if (e.seed != null && checkSeed(e.seed).ok) patch.seed = e.seed;
    // a result drawn with a count this model no longer offers (10 before the step-distilled decoders): the nearest offered one, said
    if (e.steps != null && s.allowedSteps.length) {
      patch.steps = s.allowedSteps.includes(e.steps) ? e.steps : nearestSteps(e.steps, s.allowedSteps);
      if (patch.steps !== e.steps) moved = `This result was drawn with ${e.steps} steps, which this model no longer offers: runs use ${patch.steps}.`;
    }
    if (e.guidance != null && s.facts && checkGuidance(e.guidance, s.facts.sampler).ok) patch.guidance = e.guidance;
    return { patch, moved };
  };

  /** The request an image tab's entry was given, as the engine read it: its image, text and flags, and the
   * sampler settings the page puts back with it (samplerOf). `again` runs it with a change, as it would a fresh
   * run's; null for an inpaint kept without its mask (the hole is not known). */
  const requestOf = (e: HistoryEntry & { input: RGBAImage }, task: TaskName, sampler: Partial<AppState>): AnyRequest | null => {
    const s = get();
    const scales = (e.scales ?? []).filter((x) => s.scales.includes(x));
    const settings = { ...(scales.length ? { scales } : {}), ...(sampler.seed != null ? { seed: sampler.seed } : {}), ...(sampler.steps != null ? { steps: sampler.steps } : {}), ...(sampler.guidance != null ? { guidance: sampler.guidance } : {}) };
    const image = e.input;
    switch (task) {
      case 'edit':
        return { ...settings, image, instruction: e.instruction ?? '', ...(e.restyle != null ? { restyle: e.restyle } : {}) } as AnyRequest;
      case 'understand':
        return { image, question: e.instruction ?? '', caption: !e.instruction } as AnyRequest;
      case 'inpaint':
        return e.mask ? ({ ...settings, image, mask: maskImage(e.mask, image.width), ...(e.keepUnmasked != null ? { keepUnmasked: e.keepUnmasked } : {}) } as AnyRequest) : null;
      default:
        return { ...settings, image } as AnyRequest;
    }
  };

  /** An entry of an image-taking tab: that tab shown, its image and text put back, its thumbnails (or answer) shown. */
  const restoreImageRun = (e: HistoryEntry & { input: RGBAImage }, tab: ImageTab) => {
    const task = e.task as TaskName;
    const { patch, moved } = samplerOf(e);
    const text = e.instruction ?? '';
    const restored: RestoredRun = { task, text, ...(e.restyle != null ? { restyle: e.restyle } : {}), ...(e.keepUnmasked != null ? { keepUnmasked: e.keepUnmasked } : {}), ...(e.mask ? { mask: e.mask } : {}) };
    const name = e.inputName ?? `${TASK_NEEDS[task].label.toLowerCase()} input from the history`;
    set((st) => ({ ...patch, tab, picked: { ...st.picked, [tab]: { image: e.input, name, seq: ++pickSeq, restored } } }));
    ctx.claim(tab); // a run still reporting no longer owns the tab's grid
    const results: Record<string, ScaleResult> = {};
    for (const t of e.thumbs) results[t.scale] = { scale: t.scale, step: e.steps ?? 0, steps: e.steps ?? 0, image: t.image };
    // the edit's source and the image a question was about are the input itself; a canvas task's source (grayscale, masked, edges) is the engine's to make
    const source = task === 'edit' || task === 'understand' ? e.input : null;
    // its plan bar as the run left it, its buttons running the request the entry holds
    const request = requestOf(e, task, patch);
    ctx.setRun(tab, { ...idleRun(), task, status: 'done', text, inputName: e.inputName ?? null, input: e.input, source, results, answer: e.answer ?? '', plan: e.planInfo ?? null, request, fromHistory: true, pickSeq, message: [task === 'inpaint' && !e.mask ? 'This entry was kept before the history stored masks: paint the part to fill in again.' : null, moved].filter(Boolean).join(' ') || null });
  };

  return {
    state: {
      prompt: '',
      planOverride: null,
      steps: 10,
      guidance: 2,
      seed: 1234,
      t2iScales: [],
      tab: 'main',
      picked: {},
      selected: null,
      // before the manifest: the entries without an image (the rest come once its size is known)
      history: history.list(null),
      historyNotice: null,
    },
    actions: {
      // a plan belongs to its prompt: a changed prompt lets the model plan again
      setPrompt: (p) => set((s) => ({ prompt: p, planOverride: p.trim() === s.prompt.trim() ? s.planOverride : null })),
      setPlanOverride: (plan) => set({ planOverride: plan }),
      setSteps: (n) => set({ steps: n }),
      setGuidance: (g) => set({ guidance: g }),
      setSeed: (x) => set({ seed: x }),
      toggleT2IScale(scale) {
        const s = get();
        const cur = s.t2iScales.length ? s.t2iScales : s.scales;
        set({ t2iScales: cur.includes(scale) ? cur.filter((x) => x !== scale) : [...cur, scale] });
      },
      setTab: (t) => set({ tab: t }),
      pick(tab, image, name, concept) {
        set((s) => ({ picked: { ...s.picked, [tab]: { image, name, seq: ++pickSeq, ...(concept ? { concept } : {}) } } }));
      },
      sendTo(tab, image, name, concept) {
        get().actions.pick(tab, image, name, concept);
        set({ tab });
      },
      paste(image, name, tab = get().tab) {
        const use = imageUse(tab);
        if (use === 'reconstruct') return void get().actions.run(tab, 'reconstruct', { image }, { inputName: name });
        if (use === 'input') return get().actions.pick(tab as ImageTab, image, name);
        ctx.tell(tab, `The ${tabSpec(tab).label} tab takes no image; paste it on ${SEND_TARGETS.map((t) => t.label).join(', ')} or the ${tabSpec('main').label} tab.`);
      },
      select: (scale) => set({ selected: scale }),
      pickHistory(e) {
        const s = get();
        const tab = tabOfTask(e.task);
        if (e.input && tab && tab !== 'main') return restoreImageRun({ ...e, input: e.input }, tab);
        const { patch: sampler, moved } = samplerOf(e);
        const patch: Partial<AppState> = { notice: moved, selected: null, lastGenerated: null, ...sampler };
        if (e.prompt != null) patch.prompt = e.prompt;
        patch.planOverride = e.prompt != null && e.plan && s.manifest?.mllm?.plan ? e.plan : null;
        const scales = (e.scales ?? []).filter((x) => s.scales.includes(x));
        if (TASK_NEEDS[e.task as TaskName]?.inputs.includes('prompt') && scales.length) patch.t2iScales = scales;
        set({ ...patch, tab: 'main' });
        ctx.claim('main'); // a run still reporting no longer owns the grid
        const results: Record<string, ScaleResult> = {};
        for (const t of e.thumbs) results[t.scale] = { scale: t.scale, step: e.steps ?? 0, steps: e.steps ?? 0, image: t.image };
        // its plan bar as the run left it: a pick there draws again from the prompt, as on a fresh result
        ctx.setRun('main', { ...idleRun(), task: (e.task as TaskName) ?? null, status: 'done', text: e.prompt ?? '', inputName: e.inputName ?? null, results, plan: e.planInfo ?? null, fromHistory: true });
      },
      clearHistory() {
        history.clear();
        set({ history: [], historyNotice: null });
      },
    },
  };
}
