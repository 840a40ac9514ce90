"""Per-rule stage counts and times over a corpus."""
import ast, sys, time, warnings, os, collections, json
from pathlib import Path
from ml_policy.config import Settings
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.rule import FileContext
from ml_policy.lint.source import read_source
from ml_policy.lint.lazy import cst
from ml_policy.rules import ALL_RULES

root = Path(sys.argv[1])
want = sys.argv[2].split(",") if len(sys.argv) > 2 else None
rules = [r for r in ALL_RULES if want is None or r.code.startswith(tuple(want))]
settings = Settings(root=root)
cnt = collections.defaultdict(collections.Counter)
tm = collections.defaultdict(collections.Counter)
only_new_ast = 0; ast_files = 0; ast_time = 0.0; cst_files = 0; cst_time = 0.0
only_new_ast_time = 0.0; only_new_cst_time = 0.0; only_new_cst=0
first = ("MLM", "MLP")
files = sorted(p for p in root.rglob("*.py"))
for p in files:
    try:
        src = read_source(p, p.read_bytes())
    except Exception:
        continue
    text = ScreenText(src.text)
    cands = []
    for r in rules:
        t = time.perf_counter()
        ok = any(tr in text.raw for tr in r.triggers)
        tm[r.code]["trig"] += time.perf_counter() - t
        if not ok: continue
        cnt[r.code]["trig"] += 1
        t = time.perf_counter()
        ok = r.text_screen(text) if text.exact else True
        tm[r.code]["text"] += time.perf_counter() - t
        if not ok: continue
        cnt[r.code]["text"] += 1
        cands.append(r)
    if not cands: continue
    t = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(src.text)
    except Exception:
        continue
    dt = time.perf_counter() - t
    ast_files += 1; ast_time += dt
    newonly = not any(r.code.startswith(first) for r in cands)
    if newonly:
        only_new_ast += 1; only_new_ast_time += dt
    ctx = FileContext(p, settings, ImportTable.from_ast(tree), tree)
    scr = []
    for r in cands:
        t = time.perf_counter()
        ok = r.screen_context(ctx)
        tm[r.code]["screen"] += time.perf_counter() - t
        if ok:
            cnt[r.code]["screen"] += 1; scr.append(r)
    if not scr: continue
    t = time.perf_counter()
    try:
        module = cst.parse_module(src.text)
    except Exception:
        continue
    dt = time.perf_counter() - t
    cst_files += 1; cst_time += dt
    if not any(r.code.startswith(first) for r in scr):
        only_new_cst += 1; only_new_cst_time += dt
    for r in scr:
        c2 = FileContext(p, settings, ctx.imports, tree)
        v = r(c2)
        t = time.perf_counter()
        cst.visit_batched(module, [*c2.visitors, v]); v.finish()
        tm[r.code]["visit"] += time.perf_counter() - t
print(f"files {len(files)} ast {ast_files} ({ast_time:.1f}s) new-only {only_new_ast} ({only_new_ast_time:.1f}s); cst {cst_files} ({cst_time:.1f}s) new-only {only_new_cst} ({only_new_cst_time:.1f}s)")
print(f"{'code':8} {'trig':>5} {'text':>5} {'scr':>5} | {'trig_s':>6} {'text_s':>6} {'scr_s':>6} {'visit_s':>7}")
for r in rules:
    c, m = cnt[r.code], tm[r.code]
    print(f"{r.code:8} {c['trig']:5} {c['text']:5} {c['screen']:5} | {m['trig']:6.2f} {m['text']:6.2f} {m['screen']:6.2f} {m['visit']:7.2f}")
