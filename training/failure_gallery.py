"""Five natural prompts the shipped MLLM still gets wrong, with their plans and all five scales (CPU):

    /usr/bin/python3 -m training.failure_gallery [mllm.pt]   # -> docs/screenshots/failures.png + docs/failures.json

Without a checkpoint, the MLLM that ships (public/models/mllm.onnx read back: its int8 weights as the page runs them).

Three whose plan names another concept (seed 5 among those), two whose plan is right but whose f1
image the judge does not recognise (among 60 sampled). Rows: prompts; columns: f4 .. f0 (seed 0).
"""
import json, random, sys, torch, numpy as np
from PIL import Image
from training import eval_mllm as E, mllm_tasks as T
from training.mllm import load_mllm
from training.quantize import fake_quantize
from training.data import load
from training.tokenizer import Tokenizer
from training.judge import load_judge
from training import shipped
torch.set_num_threads(2)
images, meta = load(); tok = Tokenizer.load('training/tokenizer.json')
if len(sys.argv) > 1:   # a training checkpoint: its weights rounded as the export will
    model, _ = load_mllm(sys.argv[1]); model = fake_quantize(model).eval()
else:
    model = shipped.load_mllm()
for b in model.blocks: b.attn.fused = True
enc, _ = shipped.load_encoder(); judge = load_judge('training/eval/judge.pt')
nat = json.load(open('training/eval/natural_prompts.json'))['prompts']
names = E.concept_names(meta)
s = T.TaskSampler(meta, tok, seed=0)
bank = torch.zeros(1, 341, 64)
pre = [E.prefix_of([s.sp(tok.bos), s.text(T.normalize_text(e['prompt'])), s.sp(tok.ans)], 'scale') for e in nat]
plans = [c[0] for c in E.generate_plans(model, tok, pre, bank.view(-1, 64), 'cpu', k=1)]
ptxt = [tok.decode(p).strip() for p in plans]
wrong = [i for i, e in enumerate(nat) if T.parse_plan(ptxt[i])['concept'] != names[e['concept']]]
print('plan wrong', len(wrong), 'of', len(nat))
rng = random.Random(5); pick = rng.sample(wrong, 3)
right = [i for i in range(len(nat)) if i not in wrong]
# draw all right-plan prompts' f1 and find ones the judge misses
idx = rng.sample(right, 60)
pre2 = [E.extend_prefix(pre[i], plans[i] + [tok.img]) for i in idx]
gen = E.generate_images(model, pre2, bank.view(-1, 64), 'cpu')
dec = E.make_decode(enc, 'cpu')
# one image a decode, as the rows below are drawn: a batch's decode gives each image other noise than its own
x = torch.cat([dec('f1', gen[k:k + 1, T.scale_slices()['f1']], 0) for k in range(len(idx))])
cidx = {c: k for k, c in enumerate(judge.vocab['concept'])}
with torch.no_grad(): p = judge(x)['concept'].softmax(-1)
top = p.argmax(1)
miss = [idx[k] for k in range(len(idx)) if int(top[k]) != cidx[nat[idx[k]]['concept']]]
print('drawing misses among right plans', len(miss), 'of', len(idx))
sel = pick + miss[:2]
pre3 = [E.extend_prefix(pre[i], plans[i] + [tok.img]) for i in sel]
g3 = E.generate_images(model, pre3, bank.view(-1, 64), 'cpu')
tiles = []
out = []
for k, i in enumerate(sel):
    row = []
    for sc in ('f4', 'f3', 'f2', 'f1', 'f0'):
        sl = T.scale_slices()[sc]
        im = dec(sc, g3[k:k+1, sl], 0)
        with torch.no_grad(): pj = judge(im)['concept'].softmax(-1)[0]
        saw = judge.vocab['concept'][int(pj.argmax())]
        row.append(((im[0].clamp(-1, 1) + 1) * 127.5).permute(1, 2, 0).byte().numpy())
        if sc == 'f1': seen = names.get(saw, saw)
    tiles.append(np.concatenate(row, 1))
    out.append({'prompt': nat[i]['prompt'], 'asked': names[nat[i]['concept']], 'plan': ptxt[i], 'judge_at_f1': seen})
Image.fromarray(np.concatenate(tiles, 0)).resize((5 * 128, len(sel) * 128), Image.NEAREST).save('docs/screenshots/failures.png')
json.dump({'plan_wrong': len(wrong), 'prompts': len(nat), 'drawing_misses': len(miss), 'sampled_right_plans': len(idx),
           'rows': out}, open('docs/failures.json', 'w'), indent=1)
print(json.dumps(out, indent=1))
