#!/usr/bin/python3
"""Lineage-recovery research on the ground-truth zoo (issue 4).  Analysis only, not a test.

    /usr/bin/python3 tests/bench/lineage_research.py [ZOO_ROOT ...] [--exp NAME,...] [--seeds N]

ZOO_ROOT is a directory holding zoo/ and TRUTH.json (default fixtures/lineage).  TRUTH is used
only for scoring.  Experiments (--exp, default all):
  size     descriptor size sweep (256 .. 16384 floats, whole model) x distance (linf, l2, q999)
  chart    proposed charting rule, per category, with ablations and the old Atlas/MoTHer rules
  cluster  component clustering: ARI and pairwise precision/recall for thresholds / gap rule
  noise    additive Gaussian noise on every model (1x, 2x, 4x) and BF16 storage of every model
  lotto    leave-one-tree-out check of the two thresholds (merge alpha, cluster factor)

Proposed descriptor ("linf-blocks"): for every 2-D floating backbone matrix (zx_desc_is_backbone:
no head part, no token-embedding part; here 12 encoder matrices + pooler + position and
token-type embeddings = 16 tensors), one contiguous run of B/ntensors elements of the row-major data
starting at a seeded offset (same offset for every model of an architecture group).  Values
dequantised to float (int8 * per-row scale).  Distance: max |x_i - y_i| over the descriptor.
"""
import argparse
import datetime
import json
import math
import os
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# ------------------------------------------------------------------------------------------
# safetensors + zoo loading
# ------------------------------------------------------------------------------------------
ENCODER_ONLY = "--encoder-only" in sys.argv
NP = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I8": np.int8, "I64": np.int64,
      "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    hdr = json.loads(b[8:8 + n])
    out = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        raw = b[8 + n + s:8 + n + e]
        if v["dtype"] == "BF16":
            a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, NP[v["dtype"]])
        out[k] = (v["dtype"], a.reshape(v["shape"]))
    return out, b


def iso(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class Zoo:
    def __init__(self, root):
        truth = json.load(open(os.path.join(root, "TRUTH.json")))
        self.models = []
        for m in truth["models"]:
            d = os.path.join(root, "zoo", m["id"])
            f = os.path.join(d, "model.safetensors")
            if not os.path.exists(f):
                continue  # LoRA adapter: parent from adapter_config.json (see report)
            st, raw = read_safetensors(f)
            w = {}
            for k, (dt, a) in st.items():
                if k.endswith(".scale"):
                    continue
                a = a.astype(np.float64)
                if dt == "I8":
                    a = a * st[k + ".scale"][1].astype(np.float64)[:, None]
                w[k] = a
            hub = json.load(open(os.path.join(d, ".hub.json")))
            self.models.append(dict(id=m["id"], kind=m["kind"], tree=m["tree"],
                                    parents=m["parents"], t=iso(hub["createdAt"]),
                                    w=w, hash=hash(raw[8:]), dtype=m["dtype"]))
        self.n = len(self.models)
        idx = {m["id"]: i for i, m in enumerate(self.models)}
        self.T = np.array([m["t"] for m in self.models])
        self.Q = np.array([m["dtype"] != "F32" for m in self.models])  # from the tensor dtypes
        self.kind = [m["kind"] for m in self.models]
        self.tree = [m["tree"] for m in self.models]
        self.par = [[idx[p] for p in m["parents"]] for m in self.models]
        self.hash = [m["hash"] for m in self.models]
        keys = sorted(self.models[0]["w"])
        self.backbone = [k for k in keys if not k.startswith("classifier")]
        # the proposed descriptor's tensors: zoodex's backbone (zx_desc_is_backbone: no head,
        # no token embedding) restricted to 2-D matrices.  --encoder-only: bert.encoder only.
        self.mats = [k for k in self.backbone if self.models[0]["w"][k].ndim == 2
                     and "word_embeddings" not in k
                     and (".encoder." in k or not ENCODER_ONLY)]
        self.A = {k: np.stack([m["w"][k].ravel() for m in self.models]) for k in self.backbone}


# ------------------------------------------------------------------------------------------
# descriptors and distances
# ------------------------------------------------------------------------------------------
def descriptor(zoo, budget, seed=0, tensors=None, layout="block"):
    """budget floats split evenly over `tensors`; one contiguous run per tensor at a seeded
    offset (layout 'block') or random elements ('random')."""
    ks = tensors if tensors is not None else zoo.mats
    rng = np.random.default_rng(seed)
    per = max(1, budget // len(ks))
    cols = []
    for k in ks:
        N = zoo.A[k].shape[1]
        if per >= N:
            cols.append(zoo.A[k])
        elif layout == "block":
            s = int(rng.integers(0, N - per + 1))
            cols.append(zoo.A[k][:, s:s + per])
        else:
            cols.append(zoo.A[k][:, rng.choice(N, per, replace=False)])
    return np.concatenate(cols, 1)


def pdist(X, kind="linf"):
    n = len(X)
    D = np.zeros((n, n))
    for i in range(n):
        d = np.abs(X - X[i])
        if kind == "linf":
            D[i] = d.max(1)
        elif kind == "l2":
            D[i] = np.sqrt((d * d).sum(1))
        elif kind == "q999":
            D[i] = np.quantile(d, 0.999, axis=1)
        else:
            raise ValueError(kind)
    return D


def vdist(x, Y, kind="linf"):
    d = np.abs(Y - x)
    return d.max(-1) if kind == "linf" else np.sqrt((d * d).sum(-1))


# ------------------------------------------------------------------------------------------
# charting
# ------------------------------------------------------------------------------------------
def pearson(a, b):
    a = np.asarray(a, float) - np.mean(a)
    b = np.asarray(b, float) - np.mean(b)
    s = math.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / s) if s > 0 else 0.0


def chart_proposed(zoo, X, D, K=5, alpha=0.5, kind="linf", merges=True, fan=None):
    """The proposed rule.  Time order; exact duplicates (content hash) -> original; quantized
    -> never a parent, parent = nearest earlier candidate; merge if the midpoint of two of the
    K nearest earlier candidates explains v much better than the nearest single candidate
    (d(v, (a+b)/2) < alpha * d(v, nearest)); else parent = nearest earlier candidate.
    fan=(spread, rho_pct): optionally the Atlas snake/fan rule on top (default off)."""
    n = zoo.n
    order = sorted(range(n), key=lambda i: (zoo.T[i], i))
    parent, parent2, rule = [-1] * n, [-1] * n, ["root"] * n
    elig, seen = [], {}
    corr = []
    for v in order:
        if zoo.hash[v] in seen:
            parent[v], rule[v] = seen[zoo.hash[v]], "duplicate"
            continue
        seen[zoo.hash[v]] = v
        if elig:
            c = np.array(elig)
            dd = D[c, v]
            o = np.argsort(dd, kind="stable")[:K]
            nb, kd = c[o], dd[o]
            parent[v], rule[v] = int(nb[0]), "nearest"
            if merges and not zoo.Q[v] and len(nb) >= 2 and kd[0] > 0:
                best, bp = np.inf, None
                for a in range(len(nb)):
                    for b in range(a + 1, len(nb)):
                        r = vdist(X[v], (X[nb[a]] + X[nb[b]]) / 2, kind)
                        if r < best:
                            best, bp = r, (nb[a], nb[b])
                if best < alpha * kd[0]:
                    parent[v], parent2[v], rule[v] = int(bp[0]), int(bp[1]), "merge"
            if fan and rule[v] == "nearest" and len(nb) > 1:
                kt = np.abs(zoo.T[v] - zoo.T[nb])
                corr.append((v, nb, kd, kt))
        if not zoo.Q[v]:
            elig.append(v)
    if fan:
        spread, pct = fan
        rho = np.percentile([pearson(kd, kt) for _, _, kd, kt in corr], pct) if corr else 0
        for v, nb, kd, kt in corr:
            if (kd[-1] - kd[0]) / kd[0] > spread:
                continue
            if pearson(kd, kt) > rho:
                rule[v] = "snake"
            else:
                parent[v] = int(min(nb, key=lambda c: zoo.T[c]))
                rule[v] = "fan"
    return parent, parent2, rule


def chart_atlas_c(zoo, D, k=5, spread=0.05, rho_pct=60, merge_tol=0.1):
    """Port of index/lineage.c zx_lineage_atlas (the current zoodex rule)."""
    n = zoo.n
    t, quant = zoo.T, zoo.Q
    order = sorted(range(n), key=lambda i: (t[i], i))
    parent, parent2, rule = [-1] * n, [-1] * n, ["root"] * n
    corr = []
    for pas in (0, 1):
        elig = np.zeros(n, bool)
        rho = 0
        if pas == 1 and corr:
            s = sorted(corr)
            rho = s[int((len(s) - 1) * rho_pct / 100.0)]
        for pos, v in enumerate(order):
            dup = None
            for c in order[:pos]:
                if rule[c] != "duplicate" and D[c, v] <= 0:
                    dup = c
                    break
            if dup is not None:
                if pas == 1:
                    parent[v], rule[v] = dup, "duplicate"
                continue
            cands = sorted((c for c in order[:pos] if elig[c]), key=lambda c: D[c, v])
            nb = cands[:k]
            if not quant[v]:
                elig[v] = True
            m = len(nb)
            if m == 0:
                continue
            kd = [D[c, v] for c in nb]
            kt = [abs(t[v] - t[c]) for c in nb]
            if pas == 0:
                if m > 1:
                    corr.append(pearson(kd, kt))
                continue
            if m >= 2:
                best, bp = np.inf, None
                for a in range(m):
                    for b in range(a + 1, m):
                        ab = D[nb[a], nb[b]]
                        if not ab > 0 or abs(kd[a] - kd[b]) > merge_tol * ab:
                            continue
                        fit = abs(kd[a] + kd[b] - ab) / ab
                        if fit <= merge_tol and fit < best:
                            best, bp = fit, (a, b)
                if bp:
                    parent[v], parent2[v], rule[v] = nb[bp[0]], nb[bp[1]], "merge"
                    continue
            if m == 1 or kd[0] <= 0 or (kd[-1] - kd[0]) / kd[0] > spread:
                parent[v], rule[v] = nb[0], "nearest"
            elif pearson(kd, kt) > rho:
                parent[v], rule[v] = nb[0], "snake"
            else:
                parent[v], rule[v] = min(nb, key=lambda c: t[c]), "fan"
    return parent, parent2, rule


def edmonds(cost, root):
    """Chu-Liu/Edmonds, minimum arborescence rooted at root; cost[p][c]."""
    n = len(cost)
    best = [None] * n
    for v in range(n):
        if v == root:
            continue
        u = min((u for u in range(n) if u != v), key=lambda u: cost[u][v])
        best[v] = u
    # find a cycle
    for s in range(n):
        seen, x = [], s
        while x is not None and x != root and x not in seen:
            seen.append(x)
            x = best[x]
        if x is not None and x != root and x in seen:
            cyc = seen[seen.index(x):]
            break
    else:
        return best
    cs = set(cyc)
    ids = [v for v in range(n) if v not in cs]
    m = len(ids) + 1
    cn = m - 1
    comp = {v: i for i, v in enumerate(ids)}
    for v in cyc:
        comp[v] = cn
    w = [[math.inf] * m for _ in range(m)]
    arg = {}
    for u in range(n):
        for v in range(n):
            if u == v or comp[u] == comp[v]:
                continue
            c = cost[u][v] - (cost[best[v]][v] if v in cs else 0)
            if c < w[comp[u]][comp[v]]:
                w[comp[u]][comp[v]] = c
                arg[comp[u], comp[v]] = (u, v)
    p2 = edmonds(w, comp[root])
    par = [best[v] if v in cs else None for v in range(n)]
    for j in range(m):
        if p2[j] is None:
            continue
        u, v = arg[p2[j], j]
        par[v] = u
    par[root] = None
    return par


def kurt_sum(zoo):
    out = []
    for m in zoo.models:
        s = 0.0
        for k, a in m["w"].items():
            if a.ndim == 2 and a.shape[0] == a.shape[1] and "output.dense" in k:
                x = a.ravel() - a.mean()
                m2 = (x * x).mean()
                s += (x ** 4).mean() / (m2 * m2) - 3
        out.append(s)
    return np.array(out)


def chart_mother(zoo, D, lam=0.3):
    n = zoo.n
    ku = kurt_sum(zoo)
    mean = D.mean()
    big = D[np.isfinite(D)].sum() + 1
    cost = [[math.inf] * (n + 1) for _ in range(n + 1)]
    for p in range(n):
        for c in range(n):
            if p != c:
                cost[p][c] = D[p, c] + (lam * mean if ku[c] > ku[p] else 0)
    for c in range(n):
        cost[n][c] = big
    par = edmonds(cost, n)
    return [(-1 if (p is None or p == n) else p) for p in par[:n]], [-1] * n, ["mother"] * n


# ------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------
CATS = ["finetune", "quantized", "duplicate", "merge", "snake", "fan"]


def score(zoo, parent, parent2):
    res = {}
    for v in range(zoo.n):
        for p in zoo.par[v]:
            r = res.setdefault(zoo.kind[v], [0, 0])
            r[0] += parent[v] == p or parent2[v] == p
            r[1] += 1
    ok = sum(r[0] for r in res.values())
    tot = sum(r[1] for r in res.values())
    return ok / tot, res


def fmt(acc, res):
    s = "all %.3f" % acc
    for c in CATS:
        if c in res:
            s += " %s %d/%d" % (c[:4], res[c][0], res[c][1])
    return s


def nearest_earlier_rate(zoo, D):
    ok = tot = 0
    for v in range(zoo.n):
        if zoo.kind[v] != "finetune":
            continue
        c = [u for u in range(zoo.n) if zoo.T[u] < zoo.T[v] and not zoo.Q[u]
             and zoo.kind[u] != "duplicate"]
        ok += min(c, key=lambda u: D[u, v]) == zoo.par[v][0]
        tot += 1
    return ok / tot


# ------------------------------------------------------------------------------------------
# components
# ------------------------------------------------------------------------------------------
def single_linkage(D, tau):
    n = len(D)
    up = list(range(n))

    def f(x):
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x
    for i in range(n):
        for j in range(i + 1, n):
            if D[i, j] <= tau:
                up[f(i)] = f(j)
    return [f(i) for i in range(n)]


def mst_edges(D):
    n = len(D)
    inT = np.zeros(n, bool)
    inT[0] = True
    best = D[0].copy()
    out = []
    for _ in range(n - 1):
        b = np.where(inT, np.inf, best)
        j = int(np.argmin(b))
        out.append(b[j])
        inT[j] = True
        best = np.minimum(best, D[j])
    return np.sort(np.array(out))


def ari(a, b):
    from collections import Counter
    n = len(a)
    c2 = lambda x: x * (x - 1) / 2
    nij = Counter(zip(a, b))
    sa = sum(c2(v) for v in Counter(a).values())
    sb = sum(c2(v) for v in Counter(b).values())
    sij = sum(c2(v) for v in nij.values())
    e = sa * sb / c2(n)
    mx = (sa + sb) / 2
    return (sij - e) / (mx - e) if mx != e else 1.0


def pair_pr(pred, true):
    tp = fp = fn = 0
    n = len(pred)
    for i in range(n):
        for j in range(i + 1, n):
            sp, st = pred[i] == pred[j], true[i] == true[j]
            tp += sp and st
            fp += sp and not st
            fn += st and not sp
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def gap_threshold(D):
    """Cut the MST at its largest ratio gap between consecutive sorted edge lengths
    (over nonzero edges); returns the threshold (geometric mean of the two edges)."""
    e = mst_edges(D)
    e = e[e > 0]
    r = e[1:] / e[:-1]
    j = int(np.argmax(r))
    return math.sqrt(e[j] * e[j + 1]), r[j]


def nn_median(D):
    E = D + np.diag(np.full(len(D), np.inf))
    E[E == 0] = np.inf
    return float(np.median(E.min(1)))


# ------------------------------------------------------------------------------------------
# experiments
# ------------------------------------------------------------------------------------------
def exp_size(zoo, seeds):
    print("== descriptor size sweep (2-D backbone matrices, one contiguous block per tensor);"
          " proposed charting; mean±std over %d block offsets" % seeds)
    for kind in ("linf", "q999", "l2"):
        for B in (256, 1024, 4096, 16384, 0):
            ne, al, ft, tm = [], [], [], []
            for s in range(seeds if B else 1):
                X = descriptor(zoo, B if B else 10 ** 9, seed=s)
                D = pdist(X, kind)
                t0 = time.time()
                p, p2, _ = chart_proposed(zoo, X, D, kind="linf" if kind != "l2" else "l2")
                tm.append(time.time() - t0)
                acc, res = score(zoo, p, p2)
                ne.append(nearest_earlier_rate(zoo, D))
                al.append(acc)
                ft.append(res["finetune"][0] / res["finetune"][1])
            print("  %-5s B=%-6s (%5d floats)  NE-parent %.3f±%.3f  all %.3f±%.3f  "
                  "full-FT %.3f±%.3f  chart %.3fs" % (kind, B or "whole", X.shape[1],
                                                      np.mean(ne), np.std(ne), np.mean(al),
                                                      np.std(al), np.mean(ft), np.std(ft),
                                                      np.mean(tm)))
    X = descriptor(zoo, 4096, layout="random")
    D = pdist(X)
    p, p2, _ = chart_proposed(zoo, X, D)
    print("  linf 4096 random elements (not blocks): " + fmt(*score(zoo, p, p2)))
    X = np.concatenate([zoo.A[k] for k in zoo.backbone], 1)
    D = pdist(X)
    p, p2, _ = chart_proposed(zoo, X, D)
    print("  linf all backbone tensors incl. 1-D, embeddings, pooler (%d): %s"
          % (X.shape[1], fmt(*score(zoo, p, p2))))
    X = descriptor(zoo, 4096)
    Xh = X.astype(np.float16).astype(np.float64)
    D = pdist(Xh)
    p, p2, _ = chart_proposed(zoo, Xh, D)
    print("  linf 4096 stored as float16: " + fmt(*score(zoo, p, p2)))


def exp_chart(zoo, B=4096):
    print("== charting rules on the B=%d linf descriptor (block offsets seed 0)" % B)
    X = descriptor(zoo, B)
    D = pdist(X)
    X2 = descriptor(zoo, 256)  # the size of today's fingerprint, for reference
    t0 = time.time()
    p, p2, r = chart_proposed(zoo, X, D)
    dt = time.time() - t0
    acc, res = score(zoo, p, p2)
    print("  proposed (K=5, alpha=0.5)            %s   [%.3fs]" % (fmt(acc, res), dt))
    bad = [v for v in range(zoo.n) if zoo.par[v] and not set(zoo.par[v]) <= {p[v], p2[v]}]
    for v in bad:
        rel = "sibling" if p[v] >= 0 and zoo.par[p[v]] == zoo.par[v] else (
            "grandparent" if p[v] >= 0 and zoo.par[zoo.par[v][0]] == [p[v]] else "other")
        print("    miss: %-10s %-50s -> %s (%s, rule %s)" % (
            zoo.kind[v], zoo.models[v]["id"], zoo.models[p[v]]["id"] if p[v] >= 0 else "-",
            rel, r[v]))
    for a in (0.1, 0.25, 0.75, 0.9):
        print("  proposed alpha=%-4s                   %s" % (
            a, fmt(*score(zoo, *chart_proposed(zoo, X, D, alpha=a)[:2]))))
    print("  proposed, no merge test              %s" % fmt(
        *score(zoo, *chart_proposed(zoo, X, D, merges=False)[:2])))
    for sp in (0.05, 0.2, 0.5):
        print("  proposed + Atlas fan/snake spread=%-4s %s" % (
            sp, fmt(*score(zoo, *chart_proposed(zoo, X, D, fan=(sp, 60))[:2]))))
    print("  current C rule (atlas port) on linf  %s" % fmt(*score(zoo, *chart_atlas_c(zoo, D)[:2])))
    Dl2 = pdist(X, "l2")
    print("  current C rule on l2 (same floats)   %s" % fmt(*score(zoo, *chart_atlas_c(zoo, Dl2)[:2])))
    D256 = pdist(X2, "l2")
    print("  current C rule on l2, 256 floats     %s" % fmt(*score(zoo, *chart_atlas_c(zoo, D256)[:2])))
    t0 = time.time()
    pm = chart_mother(zoo, D)
    print("  MoTHer (linf + kurtosis, Edmonds)    %s   [%.2fs python]" % (
        fmt(*score(zoo, *pm[:2])), time.time() - t0))
    print("  MoTHer (l2 + kurtosis, Edmonds)      %s" % fmt(*score(zoo, *chart_mother(zoo, Dl2)[:2])))


def exp_cluster(zoo, B=4096):
    print("== components (single linkage, linf B=%d); true components = trees T1..T5" % B)
    X = descriptor(zoo, B)
    for kind in ("linf", "l2"):
        D = pdist(X, kind)
        nnm = nn_median(D)
        truth = zoo.tree
        intra = max(D[i, j] for i in range(zoo.n) for j in range(zoo.n) if truth[i] == truth[j])
        inter = min(D[i, j] for i in range(zoo.n) for j in range(zoo.n) if truth[i] != truth[j])
        e = mst_edges(D)
        print("  %s: median NN %.4g; largest intra-tree MST edge %.4g; smallest inter-tree distance"
              " %.4g (= %.1fx median NN); max intra-tree pair %.4g" % (
                  kind, nnm, max(e[e < inter]) if (e < inter).any() else 0, inter, inter / nnm,
                  intra))
        for f in (2, 3, 4, 6, 8, 16):
            lab = single_linkage(D, f * nnm)
            pp, rr = pair_pr(lab, truth)
            print("    tau = %2dx median NN: %2d clusters  ARI %.3f  pair-P %.3f  pair-R %.3f"
                  % (f, len(set(lab)), ari(lab, truth), pp, rr))
        tau, ratio = gap_threshold(D)
        lab = single_linkage(D, tau)
        pp, rr = pair_pr(lab, truth)
        print("    largest MST ratio gap (x%.1f) at %.4g = %.1fx median NN: %d clusters ARI %.3f "
              "P %.3f R %.3f" % (ratio, tau, tau / nnm, len(set(lab)), ari(lab, truth), pp, rr))


def exp_noise(zoo, B=4096):
    print("== robustness: additive N(0, s^2) on every model's weights, s = x * median per-element"
          " |parent-child difference|")
    X = descriptor(zoo, B)
    diffs = np.concatenate([np.abs(X[v] - X[zoo.par[v][0]]) for v in range(zoo.n)
                            if zoo.kind[v] == "finetune"])
    med = np.median(diffs)
    rng = np.random.default_rng(7)
    for x in (0.25, 0.5, 1, 2):
        Xn = X + rng.normal(0, x * med, X.shape)
        for kind in ("linf", "q999", "l2"):
            D = pdist(Xn, kind)
            p, p2, _ = chart_proposed(zoo, Xn, D, kind="linf" if kind != "l2" else "l2")
            print("  noise %.2fx (s=%.2g) %-5s %s" % (x, x * med, kind, fmt(*score(zoo, p, p2))))
    Xb = X.astype(np.float32).view(np.uint32)
    Xb = ((Xb + 0x7FFF + ((Xb >> 16) & 1)) & 0xFFFF0000).view(np.float32).astype(np.float64)
    D = pdist(Xb)
    p, p2, _ = chart_proposed(zoo, Xb, D)
    print("  every model stored as BF16 (round-to-nearest-even): " + fmt(*score(zoo, p, p2)))


def exp_lotto(zoo, B=4096):
    print("== leave-one-tree-out: choose alpha and cluster factor on 4 trees, score the 5th")
    X = descriptor(zoo, B)
    D = pdist(X)
    trees = sorted(set(zoo.tree))
    for held in trees:
        def acc_on(sel, **kw):
            p, p2, _ = chart_proposed(zoo, X, D, **kw)
            ok = tot = 0
            for v in range(zoo.n):
                if zoo.tree[v] in sel:
                    for q in zoo.par[v]:
                        ok += p[v] == q or p2[v] == q
                        tot += 1
            return ok / tot
        train = [t for t in trees if t != held]
        best = max((0.1, 0.25, 0.5, 0.75, 0.9), key=lambda a: (acc_on(train, alpha=a), -abs(a - .5)))
        print("  held out %s: alpha chosen %.2f, train acc %.3f, held-out acc %.3f" % (
            held, best, acc_on(train, alpha=best), acc_on([held], alpha=best)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="*", default=[os.path.join(REPO, "fixtures", "lineage")])
    ap.add_argument("--exp", default="size,chart,cluster,noise,lotto")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--encoder-only", action="store_true")
    a = ap.parse_args()
    for root in a.roots:
        t0 = time.time()
        zoo = Zoo(root)
        print("#### %s: %d full models, %d true edges (LoRA adapters excluded), loaded in %.1fs"
              % (root, zoo.n, sum(len(p) for p in zoo.par), time.time() - t0))
        for e in a.exp.split(","):
            {"size": lambda: exp_size(zoo, a.seeds), "chart": lambda: exp_chart(zoo),
             "cluster": lambda: exp_cluster(zoo), "noise": lambda: exp_noise(zoo),
             "lotto": lambda: exp_lotto(zoo)}[e]()
            sys.stdout.flush()


if __name__ == "__main__":
    main()
