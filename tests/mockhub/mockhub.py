#!/usr/bin/env python3
"""mockhub.py - a local mock of the Hugging Face Hub for zoodex's tests.

zoodex's Hub client (ingest/hub.c, libcurl) is tested and benchmarked
against this server instead of huggingface.co: tests never use the network.
It follows the wire behaviour written down in shared/docs/hub.md; the section
each part follows is named next to it below and in the code.  Python 3
standard library only; one file.

Two servers, both on loopback (hub.md section 6, item 4):
  api  the Hub itself on --host:--port: /api/models (list, model info,
       tree, refs), /{org}/{name}/resolve/{rev}/{path} and
       /api/resolve-cache/models/{org}/{name}/{commit}/{path}.
  cdn  the signed-URL file store that LFS files redirect to, on --cdn-host
       (default 127.0.0.2, a different host, so a client must drop
       Authorization when it follows the redirect, hub.md 2.3).
Once both listen, "API_URL CDN_URL" goes to --port-file (and stdout).
SIGTERM or SIGINT stops both and exits 0.

Repositories (hub.md 1.2 field shapes)
  --repos DIR holds DIR/<org>/<name>/<files...>.  Plain files at the top of
  DIR (MANIFEST.json, .reload) and names starting with "." at the org and
  repo level are ignored; so is .hub.json inside a repo, which overrides
  metadata: _id sha createdAt lastModified downloads downloadsAllTime likes
  trendingScore gated private disabled tags pipeline_tag library_name
  renamed_from.  Defaults are deterministic:
    _id          first 24 hex of sha1("id:" + repo id)
    sha          sha1 of "".join(path + "\\0" + sha256(content) + "\\n")
                 over the files sorted by path (a content change is a new sha)
    createdAt    2025-01-01T00:00:00.000Z + (hash of the id mod 300 days)
    lastModified the newest mtime of the repo's files (whole seconds), but
                 never before createdAt
    downloads, likes, trendingScore  small numbers from hashes of the id
    tags         [library_name, "safetensors", model_type, pipeline_tag,
                 card tags..., "dataset:<d>"..., "license:<l>",
                 "base_model:<id>", "base_model:<relation>:<id>"...,
                 "region:us"] without duplicates (hub.md 1.5)
    cardData     the README front matter (scalars and lists are parsed;
                 nested mappings are dropped)
    config       {architectures, model_type} from config.json
    safetensors  {"parameters": {dtype: n}, "total": n} over every
                 *.safetensors header
    library_name the card's, else "transformers" when config.json exists
  The base-model relation is the card's base_model_relation, else adapter
  (adapter_config.json), merge (two or more bases), quantized (a .gguf file
  or config quantization_config) or finetune.
  A file is "LFS" when it is *.safetensors or *.bin or at least
  --lfs-threshold bytes (default 1 MiB): siblings/tree show an lfs object
  and resolve redirects it to the CDN.
  Reloading: the repo folder is re-scanned when DIR/.reload exists (the
  server deletes it once the scan is done, so "the file is gone" means
  "reloaded"), and before every request with --reload (then only when a
  file's size or mtime changed).  File hashes are cached by size and mtime.
  --generate N adds N synthetic repos gen-org-K/model-NNNNN (K = index/100)
  with one model.safetensors (F32 2-D tensors, a few KB, or --generate-mb M
  megabytes) produced on demand from a per-repo seed; their sha is
  sha1("gen:" + id + ":" + M) so a listing never has to build the files.

Endpoints (API server)
  GET /api/models                             hub.md 1.1
      search (case-insensitive substring of the id, repeated = AND), author,
      filter (repeated or comma-separated, AND over tags), pipeline_tag,
      gated, num_parameters, sort (trendingScore default, createdAt,
      downloads, lastModified, likes, id; always descending, ties by _id
      ascending), direction (ignored), limit (default --page-size, capped at
      --max-limit), full, cardData, config, expand / expand[] (400 on an
      unknown value, on _id, or combined with full/cardData/config).
      Keyset pagination: cursor = URL-safe base64 of the Mongo-style
      {"$or":[{K:v,"_id":{"$gt":id}},{K:{"$lt":v}}]}; the next page is only
      announced by Link: <absolute URL with every original parameter and
      cursor=...>; rel="next".  Private repos are never listed.
  GET /api/models/{id}[/revision/{rev}]       hub.md 1.2
      rev: main, HEAD, refs/heads/main, the sha or a prefix of >= 7 hex
      (percent-decoded, so refs%2Fheads%2Fmain works).  expand, blobs=true,
      securityStatus=true.  Gated repos answer 200 anonymously.
  GET /api/models/{id}/tree/{rev}[/{path}]    hub.md 1.3
      recursive, expand, limit (default --tree-page-size), cursor, Link.
      Directories first, then files, each sorted by path.
  GET /api/models/{id}/refs                   hub.md 1.4 (main only)
  HEAD|GET /{id}/resolve/{rev}/{path}         hub.md 2.2, 2.4
      LFS file: 302 to the CDN (absolute, signed, expires after --url-ttl)
      with X-Repo-Commit, X-Linked-Etag: "<sha256>", X-Linked-Size.
      Other file: 307 to /api/resolve-cache/models/{id}/{commit}/{path}?...
      (relative), which answers 200 with ETag "<git blob sha1>",
      X-Repo-Commit, Content-Length, Accept-Ranges: bytes.
  The CDN and resolve-cache honour Range bytes=a-b, a-, -n (206 with
  Content-Range; 416 with Content-Range: bytes */total).  A multi-range or
  malformed Range is ignored (200).  The CDN's ETag is not the sha256
  (hub.md 2.2: it is the xet hash there).
Errors (hub.md 2.6)
  missing or private repo: anonymous 401 {"error":"Invalid username or
  password."} with that X-Error-Message and no X-Error-Code (the 2026
  captures; --anon-error-code adds X-Error-Code: RepoNotFound); with a token
  404 X-Error-Code: RepoNotFound.  Unknown revision: 404 RevisionNotFound.
  Gated files: 401 anonymous / 403 with a token, X-Error-Code: GatedRepo,
  X-Error-Message.  Disabled repo files: 403 "Access to this resource is
  disabled.".  Missing file: 404 EntryNotFound with X-Repo-Commit.  Any
  Bearer token is valid unless --valid-token T is given (then others get
  401 "Invalid credentials in Authorization header").  /api answers JSON,
  resolve answers text/plain.
Renames (hub.md 1.6): a request naming an id listed in a repo's
  renamed_from, or an existing id in another letter case, gets 307 with a
  relative Location: the same path with the current id, same query.
Headers on every API response (hub.md 2.7, 6 item 8): x-powered-by:
  huggingface-moon, x-request-id: Root=1-<8hex>-<24hex>, RateLimit and
  RateLimit-Policy for the bucket ("api"; "resolvers" for resolve and
  resolve-cache).  Each bucket is one fixed --window (300 s) counter shared
  by all clients; past --quota (api) or --resolver-quota requests a bucket
  answers 429 with r=0 until the window ends.  The CDN sends no Hub headers.
  JSON is compact (separators "," and ":"); API content type
  "application/json; charset=utf-8".

Fault injection (--faults F; re-read when its mtime changes, which also
resets the rule counters): {"rules": [{"match": regex searched in the
request target (path + query), "method": "GET"|"HEAD"|"*", "host":
"api"|"cdn"|"*", "fault": kind, "times": N (default unlimited),
"delay_ms": n, "retry_after": s}]}.  The first rule that matches and has
times left applies.  Kinds: 429, 429-bare, 408, 500, 502, 503 (any 3-digit
status works), reset, slow, truncate, badlen, badjson, gated, notfound,
entrynotfound, private, norange (the CDN/resolve-cache ignore Range),
shiftrange (they answer a Range with a 206 that starts 8 bytes later),
redirectloop (302 to the same URL),
expired (the CDN's signed-URL expiry answer).  See README.md.

Request log (--log F): one compact JSON line per request: t, server,
method, path, range, encoding (the Accept-Encoding header), auth, status,
bytes (body bytes really sent, also of a transfer the client cut), fault.

SPDX-License-Identifier: MIT
"""

import argparse
import array
import base64
import calendar
import gzip
import hashlib
import hmac
import http.server
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from urllib.parse import parse_qsl, quote, unquote

# ===== Constants =====

# hub.md 1.1: the valid model expand values (huggingface_hub
# ExpandModelProperty_T, plus xetEnabled from a live 400 message).
EXPAND_VALUES = (
    "author", "baseModels", "cardData", "childrenModelCount", "config",
    "createdAt", "disabled", "downloads", "downloadsAllTime", "evalResults",
    "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified",
    "library_name", "likes", "mask_token", "model-index", "pipeline_tag",
    "private", "resourceGroup", "safetensors", "sha", "siblings", "spaces",
    "tags", "transformersInfo", "trendingScore", "usedStorage", "widgetData",
    "xetEnabled")

# Order in which fields are emitted: the served order of hub.md 1.2's full
# model_info samples, then the expand-only fields.
FIELD_ORDER = (
    "author", "private", "pipeline_tag", "library_name", "tags", "downloads",
    "downloadsAllTime", "likes", "trendingScore", "sha", "lastModified",
    "gated", "disabled", "inference", "mask_token", "widgetData",
    "model-index", "config", "cardData", "transformersInfo", "siblings",
    "spaces", "createdAt", "safetensors", "gguf", "usedStorage",
    "baseModels", "childrenModelCount", "evalResults",
    "inferenceProviderMapping", "resourceGroup", "xetEnabled")

# hub.md 1.1: the default list entry, key order as observed.
LIST_DEFAULT = ("likes", "trendingScore", "private", "downloads", "tags",
                "pipeline_tag", "library_name", "createdAt")
# full=true adds these (and keeps the defaults).
LIST_FULL = ("author", "gated", "disabled", "lastModified", "likes",
             "trendingScore", "private", "sha", "downloads", "tags",
             "pipeline_tag", "library_name", "createdAt")
# hub.md 1.2: the default model_info payload (no trendingScore,
# downloadsAllTime, childrenModelCount, baseModels).
INFO_DEFAULT = ("private", "pipeline_tag", "library_name", "tags",
                "downloads", "likes", "author", "sha", "lastModified",
                "gated", "disabled", "model-index", "config", "cardData",
                "transformersInfo", "siblings", "spaces", "createdAt",
                "safetensors", "usedStorage")

SORT_KEYS = ("trendingScore", "createdAt", "downloads", "lastModified",
             "likes", "id")
LFS_SUFFIXES = (".safetensors", ".bin")
RELATIONS = ("adapter", "merge", "quantized", "finetune")
BASE_CREATED = calendar.timegm((2025, 1, 1, 0, 0, 0))
CDN_SECRET = b"mockhub-cdn-signing-key"
EXPOSE = ("X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,"
          "X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,"
          "X-Linked-Size,X-Linked-ETag,X-Xet-Hash")
JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"
ANON_MSG = "Invalid username or password."
CHUNK = 256 * 1024

# ===== Small helpers =====


def jdump(obj):
    """Compact JSON bytes, as the Hub serves them (hub.md 1)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def sha1hex(s):
    return hashlib.sha1(s.encode() if isinstance(s, str) else s).hexdigest()


def hnum(*parts):
    """A deterministic number from a hash of the parts."""
    return int(sha1hex("\0".join(str(p) for p in parts))[:12], 16)


def iso(ts):
    """hub.md 1: ISO-8601 with milliseconds and Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(ts))) + ".000Z"


def parse_iso(s):
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)", str(s))
    if not m:
        return None
    return calendar.timegm(tuple(int(x) for x in m.groups()))


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256, size):
    return ("version https://git-lfs.github.com/spec/v1\n"
            "oid sha256:%s\nsize %d\n" % (sha256, size)).encode()


def truthy(v):
    return str(v).lower() in ("1", "true", "yes", "on")


def yaml_scalar(v):
    """A YAML scalar or flow list, enough for model card front matter."""
    v = v.strip()
    if v.startswith("[") and v.endswith("]"):
        inner = v[1:-1].strip()
        return [yaml_scalar(x) for x in inner.split(",")] if inner else []
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    if " #" in v:
        v = v.split(" #", 1)[0].strip()
    low = v.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("null", "~", ""):
        return None
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?", low):
        return float(v)
    return v


def parse_front_matter(text):
    """The README's YAML front matter as a dict, or None when it has none.
    Top-level scalars, flow lists and block lists are parsed; keys whose
    value is a nested mapping are dropped (hub.md 1.2 cardData)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            end = i
            break
    if end is None:
        return None
    out, key, nested = {}, None, set()
    for raw in lines[1:end]:
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if s == "-" or s.startswith("- "):
            if key is not None and isinstance(out.get(key), list):
                item = s[1:].strip()
                if re.match(r"^[^\"'\[]+:\s", item + " "):
                    nested.add(key)
                else:
                    out[key].append(yaml_scalar(item))
            continue
        if indent > 0:
            if key is not None:
                nested.add(key)
            continue
        m = re.match(r"^([^:]+):(?:\s+(.*))?$", s)
        if not m:
            key = None
            continue
        k, v = m.group(1).strip().strip("\"'"), (m.group(2) or "").strip()
        if v == "":
            out[k], key = [], k
        else:
            out[k], key = yaml_scalar(v), None
    for k in nested:
        out.pop(k, None)
    for k, v in list(out.items()):
        if v == [] and k not in nested:
            out[k] = None
    return out


def safetensors_params(head):
    """{dtype: count} from the first bytes of a safetensors file, or None."""
    if len(head) < 8:
        return None
    n = struct.unpack("<Q", head[:8])[0]
    if n > len(head) - 8:
        return None
    try:
        hdr = json.loads(head[8:8 + n].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(hdr, dict):
        return None
    out = {}
    for name, t in hdr.items():
        if name == "__metadata__" or not isinstance(t, dict):
            continue
        count, shape = 1, t.get("shape")
        if not isinstance(shape, list):
            return None
        for d in shape:
            if not isinstance(d, int) or d < 0:
                return None
            count *= d
        dt = str(t.get("dtype"))
        out[dt] = out.get(dt, 0) + count
    return out


def parse_range(value, total):
    """hub.md 2.4: (start, end) inclusive, "unsat" for a 416, or None when
    the header is absent, malformed or multi-range (then serve 200)."""
    if not value:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    a, b = m.group(1), m.group(2)
    if a == "":
        n = int(b)
        if n == 0 or total == 0:
            return "unsat"
        return (max(0, total - n), total - 1)
    a = int(a)
    if b != "" and int(b) < a:
        return None
    if a >= total:
        return "unsat"
    return (a, total - 1 if b == "" else min(int(b), total - 1))


def b64_cursor(obj):
    return base64.urlsafe_b64encode(jdump(obj)).decode()


def unb64_cursor(s):
    s = s.replace(" ", "+").strip().translate(str.maketrans("-_", "+/"))
    s += "=" * (-len(s) % 4)
    return json.loads(base64.b64decode(s, validate=True).decode())


class BadRequest(Exception):
    pass


# ===== Files =====


class DiskFile:
    """A file of a repo folder; hashes come from the scan."""
    __slots__ = ("path", "abspath", "size", "lfs", "_sha256", "_gitsha")

    def __init__(self, path, abspath, size, sha256, gitsha, lfs):
        self.path, self.abspath, self.size = path, abspath, size
        self._sha256, self._gitsha, self.lfs = sha256, gitsha, lfs

    def sha256(self):
        return self._sha256

    def git_sha1(self):
        return self._gitsha

    def read(self, off, n):
        with open(self.abspath, "rb") as f:
            f.seek(off)
            return f.read(n)


class SynthFile:
    """model.safetensors of a synthetic repo: a valid header of F32 2-D
    tensors, then data tiled from one seeded block (at most 64 KiB of
    Gaussian floats), so any byte range is cheap to produce."""
    __slots__ = ("path", "size", "lfs", "seed", "prefix", "params",
                 "_block", "_sha256", "_lock")

    def __init__(self, repo_id, mb):
        self.path, self.lfs = "model.safetensors", True
        self.seed = hnum("gen-seed", repo_id)
        if mb > 0:
            cols = 1024
            rows = max(1, int(mb * 1048576 / 4 / cols))
            shapes = [("classifier.weight", [4, cols]),
                      ("encoder.weight", [rows, cols])]
        else:
            h = 16 + 8 * (self.seed % 4)
            shapes = [("classifier.weight", [4, h]),
                      ("encoder.weight", [h, 16])]
        hdr, off = {"__metadata__": {"format": "pt"}}, 0
        total = 0
        for name, shape in shapes:
            n = shape[0] * shape[1]
            hdr[name] = {"dtype": "F32", "shape": shape,
                         "data_offsets": [off, off + 4 * n]}
            off += 4 * n
            total += n
        hb = jdump(hdr)
        hb += b" " * (-len(hb) % 8)
        self.prefix = struct.pack("<Q", len(hb)) + hb
        self.size = len(self.prefix) + off
        self.params = {"F32": total}
        self._block = self._sha256 = None
        self._lock = threading.Lock()

    def block(self):
        if self._block is None:
            rng = random.Random(self.seed)
            n = min(16384, (self.size - len(self.prefix)) // 4)
            a = array.array("f", (rng.gauss(0.0, 0.05) for _ in range(n)))
            if sys.byteorder == "big":
                a.byteswap()
            self._block = a.tobytes()
        return self._block

    def read(self, off, n):
        end = min(self.size, off + n)
        out, plen = bytearray(), len(self.prefix)
        if off < plen:
            out += self.prefix[off:min(end, plen)]
            off = plen
        if off < end:
            blk = self.block()
            bl = len(blk)
            while off < end:
                d = (off - plen) % bl
                take = min(bl - d, end - off)
                out += blk[d:d + take]
                off += take
        return bytes(out)

    def sha256(self):
        with self._lock:
            if self._sha256 is None:
                h = hashlib.sha256()
                off = 0
                while off < self.size:
                    chunk = self.read(off, 4 * 1048576)
                    h.update(chunk)
                    off += len(chunk)
                self._sha256 = h.hexdigest()
        return self._sha256

    def git_sha1(self):
        h = hashlib.sha1(b"blob %d\0" % self.size)
        off = 0
        while off < self.size:
            chunk = self.read(off, 4 * 1048576)
            h.update(chunk)
            off += len(chunk)
        return h.hexdigest()


def pointer_info(f):
    """(pointer blob sha1, pointer size) of an LFS file."""
    p = lfs_pointer(f.sha256(), f.size)
    return git_blob_sha1(p), len(p)


def blob_id(f):
    """hub.md 1.3: the git blob id (of the pointer for LFS files)."""
    return pointer_info(f)[0] if f.lfs else f.git_sha1()


# ===== Repositories =====


class Repo:
    """One model repo and its Hub metadata (hub.md 1.2 field shapes)."""

    def __init__(self, rid, files, card, config, st_params, mtime, over,
                 sha=None):
        self.id = rid
        self.org, self.name = rid.split("/", 1)
        self.files = sorted(files, key=lambda f: f.path.encode())
        self.by_path = {f.path: f for f in self.files}
        self.card = card
        self.config_full = config
        o = over or {}
        self._id = str(o.get("_id") or sha1hex("id:" + rid)[:24])
        if sha is None:
            sha = sha1hex("".join("%s\0%s\n" % (f.path, f.sha256())
                                  for f in self.files))
        self.sha = str(o.get("sha") or sha)
        created = parse_iso(o.get("createdAt")) or (
            BASE_CREATED + hnum("created", rid) % (300 * 86400))
        modified = parse_iso(o.get("lastModified")) or max(created,
                                                           int(mtime or 0))
        self.createdAt, self.lastModified = iso(created), iso(modified)
        self.downloads = int(o.get("downloads",
                                   hnum("downloads", rid) % 50000))
        self.downloadsAllTime = int(o.get("downloadsAllTime",
                                          self.downloads * 7 + 13))
        self.likes = int(o.get("likes", hnum("likes", rid) % 300))
        self.trendingScore = int(o.get("trendingScore",
                                       hnum("trending", rid) % 40))
        g = o.get("gated", False)
        self.gated = "manual" if g is True else (g if g in ("auto", "manual")
                                                  else False)
        self.private = bool(o.get("private", False))
        self.disabled = bool(o.get("disabled", False))
        rn = o.get("renamed_from") or []
        self.renamed_from = [str(x) for x in
                             (rn if isinstance(rn, list) else [rn])]
        card = card or {}
        cfg = config if isinstance(config, dict) else None
        self.pipeline_tag = o.get("pipeline_tag", card.get("pipeline_tag"))
        lib = card.get("library_name")
        if lib is None and "config.json" in self.by_path:
            lib = "transformers"
        self.library_name = o.get("library_name", lib)
        self.config = {}
        if cfg:
            for k in ("architectures", "model_type"):
                if k in cfg:
                    self.config[k] = cfg[k]
        bases = card.get("base_model")
        if isinstance(bases, str):
            bases = [bases]
        self.bases = [b for b in (bases or []) if isinstance(b, str)
                      and "/" in b]
        rel = card.get("base_model_relation")
        if rel not in RELATIONS:
            if "adapter_config.json" in self.by_path:
                rel = "adapter"
            elif len(self.bases) > 1:
                rel = "merge"
            elif any(p.endswith(".gguf") for p in self.by_path) or (
                    cfg and "quantization_config" in cfg):
                rel = "quantized"
            else:
                rel = "finetune"
        self.relation = rel
        self.safetensors = None
        if st_params:
            self.safetensors = {"parameters": dict(sorted(st_params.items())),
                                "total": sum(st_params.values())}
        if isinstance(o.get("tags"), list):
            self.tags = [str(t) for t in o["tags"]]
        else:
            self.tags = self._make_tags(card, cfg)
        self.usedStorage = sum(f.size for f in self.files)
        self.children = {r: 0 for r in RELATIONS}   # filled by RepoSet
        self.base_ids = {}                          # base id -> _id

    def _make_tags(self, card, cfg):
        t = []
        if self.library_name:
            t.append(str(self.library_name))
        if any(p.endswith(".safetensors") for p in self.by_path):
            t.append("safetensors")
        if any(p.endswith(".gguf") for p in self.by_path):
            t.append("gguf")
        if cfg and isinstance(cfg.get("model_type"), str):
            t.append(cfg["model_type"])
        if self.pipeline_tag:
            t.append(str(self.pipeline_tag))
        ct = card.get("tags")
        for x in (ct if isinstance(ct, list) else [ct] if ct else []):
            t.append(str(x))
        ds = card.get("datasets")
        for x in (ds if isinstance(ds, list) else [ds] if ds else []):
            t.append("dataset:%s" % x)
        lic = card.get("license")
        if lic:
            t.append("license:%s" % lic)
        for b in self.bases:
            t.append("base_model:" + b)
            t.append("base_model:%s:%s" % (self.relation, b))
        t.append("region:us")
        seen, out = set(), []
        for x in t:
            if x not in seen:
                seen.add(x)
                out.append(x)
        return out

    def sort_value(self, key):
        return self.id if key == "id" else getattr(self, key)

    def siblings(self, blobs=False):
        if not blobs:
            return [{"rfilename": f.path} for f in self.files]
        out = []
        for f in self.files:
            e = {"rfilename": f.path, "blobId": blob_id(f), "size": f.size}
            if f.lfs:
                e["lfs"] = {"sha256": f.sha256(), "size": f.size,
                            "pointerSize": pointer_info(f)[1]}
            out.append(e)
        return out

    def transformers_info(self):
        arch = self.config.get("architectures")
        if not isinstance(arch, list) or not arch or not isinstance(
                arch[0], str):
            return None
        a = arch[0]
        auto = "AutoModel" + a[a.index("For"):] if "For" in a else "AutoModel"
        info = {"auto_model": auto}
        if self.pipeline_tag:
            info["pipeline_tag"] = self.pipeline_tag
        img = str(self.pipeline_tag or "").startswith("image") or \
            "Image" in a
        info["processor"] = "AutoImageProcessor" if img else "AutoTokenizer"
        return info

    def field(self, name, listing=False, blobs=False):
        """(present, value) of one expandable field."""
        simple = ("private", "downloads", "downloadsAllTime", "likes",
                  "trendingScore", "sha", "lastModified", "createdAt",
                  "gated", "disabled", "tags", "config", "usedStorage")
        if name in simple:
            return True, getattr(self, name)
        if name == "author":
            return True, self.org
        if name in ("pipeline_tag", "library_name", "safetensors"):
            v = getattr(self, name)
            return v is not None, v
        if name == "cardData":
            return self.card is not None, self.card
        if name == "siblings":
            return True, self.siblings(blobs)
        if name == "spaces":
            return True, []
        if name == "model-index":
            return True, None
        if name == "transformersInfo":
            v = self.transformers_info()
            return v is not None, v
        if name == "baseModels":
            if not self.bases:
                return False, None
            return True, {"relation": self.relation,
                          "models": [{"_id": self.base_ids.get(
                              b, sha1hex("id:" + b)[:24]), "id": b}
                              for b in self.bases]}
        if name == "childrenModelCount":
            return True, dict(self.children)
        if name == "inferenceProviderMapping":
            return True, [] if listing else {}
        if name == "xetEnabled":
            return True, False
        return False, None  # evalResults gguf inference mask_token ...

    def render(self, keys, head=True, listing=False, blobs=False,
               model_id=False):
        d = {"_id": self._id, "id": self.id} if head else {}
        for k in keys:
            ok, v = self.field(k, listing=listing, blobs=blobs)
            if ok:
                d[k] = v
        if model_id:
            d["modelId"] = self.id
        return d


def scan_disk_repo(root, rid, cache, lfs_threshold):
    """A Repo from DIR/<org>/<name>, hashing only files not in cache."""
    files, mtime, params = [], 0, {}
    card = config = over = None
    base = os.path.join(root, rid)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for fn in sorted(filenames):
            ap = os.path.join(dirpath, fn)
            rel = os.path.relpath(ap, base).replace(os.sep, "/")
            try:
                st = os.stat(ap)
            except OSError:
                continue
            if rel == ".hub.json":
                try:
                    with open(ap, "rb") as f:
                        over = json.loads(f.read().decode("utf-8"))
                except (OSError, ValueError) as e:
                    warn("ignoring %s: %s" % (ap, e))
                continue
            key = (ap, st.st_size, st.st_mtime_ns)
            hashes = cache.get(key)
            if hashes is None:
                h256, h1 = hashlib.sha256(), hashlib.sha1(
                    b"blob %d\0" % st.st_size)
                with open(ap, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h256.update(chunk)
                        h1.update(chunk)
                hashes = (h256.hexdigest(), h1.hexdigest())
                cache[key] = hashes
            lfs = rel.endswith(LFS_SUFFIXES) or st.st_size >= lfs_threshold
            files.append(DiskFile(rel, ap, st.st_size, hashes[0], hashes[1],
                                  lfs))
            mtime = max(mtime, int(st.st_mtime))
            if rel == "README.md":
                with open(ap, "rb") as f:
                    card = parse_front_matter(
                        f.read(1 << 20).decode("utf-8", "replace"))
            elif rel == "config.json":
                try:
                    with open(ap, "rb") as f:
                        config = json.loads(f.read(1 << 24).decode("utf-8"))
                except (OSError, ValueError):
                    config = None
            elif rel.endswith(".safetensors"):
                with open(ap, "rb") as f:
                    head = f.read(8)
                    if len(head) == 8:
                        n = struct.unpack("<Q", head)[0]
                        if n <= min(st.st_size - 8, 100000000):
                            head += f.read(n)
                p = safetensors_params(head)
                for k, v in (p or {}).items():
                    params[k] = params.get(k, 0) + v
    if over is not None and not isinstance(over, dict):
        over = None
    return Repo(rid, files, card, config, params or None, mtime, over)


def make_synth_repo(i, mb):
    rid = "gen-org-%d/model-%05d" % (i // 100, i)
    f = SynthFile(rid, mb)
    pipes = ("text-classification", "image-classification",
             "token-classification", "feature-extraction")
    pipe = pipes[hnum("pipe", rid) % len(pipes)]
    card = {"license": "mit", "pipeline_tag": pipe}
    if i % 5:
        card["base_model"] = "gen-org-%d/model-%05d" % ((i - i % 5) // 100,
                                                         i - i % 5)
        card["base_model_relation"] = "finetune"
    created = BASE_CREATED + hnum("created", rid) % (300 * 86400)
    over = {"lastModified": iso(created + hnum("mod", rid) % (30 * 86400)),
            "createdAt": iso(created)}
    return Repo(rid, [f], card, None, f.params, 0, over,
                sha=sha1hex("gen:%s:%s" % (rid, mb)))


class RepoSet:
    """An immutable snapshot of every repo, with the lookups requests need.
    Reloads build a new one and swap it in."""

    def __init__(self, repos):
        self.repos = {r.id: r for r in repos}
        self.lower = {r.id.lower(): r.id for r in repos}
        self.by_oid = {r._id: r for r in repos}
        self.renames = {}
        for r in repos:
            for old in r.renamed_from:
                if old.lower() not in self.lower:
                    self.renames[old.lower()] = r.id
        for r in repos:
            if r.private:
                continue
            for b in r.bases:
                parent = self.repos.get(b)
                if parent is not None:
                    parent.children[r.relation] += 1
            r.base_ids = {b: self.repos[b]._id for b in r.bases
                          if b in self.repos}
        self.listable = [r for r in repos if not r.private]

    def find(self, rid):
        """(repo, None) | (None, canonical id to redirect to) |
        (None, None)."""
        r = self.repos.get(rid)
        if r is not None:
            return r, None
        canon = self.lower.get(rid.lower()) or self.renames.get(rid.lower())
        return None, canon

    def is_legacy(self, name):
        return "/" not in name and name.lower() in self.renames


# ===== Faults =====


class Faults:
    """hub.md 6: injected failures, re-read when the rules file changes."""

    def __init__(self, path):
        self.path, self.sig, self.rules = path, None, []
        self.lock = threading.Lock()

    def _refresh(self):
        try:
            st = os.stat(self.path)
            sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            sig = None
        if sig == self.sig:
            return
        self.sig, self.rules = sig, []
        if sig is None:
            return
        try:
            with open(self.path, "rb") as f:
                doc = json.loads(f.read().decode("utf-8") or "{}")
            for r in doc.get("rules", []):
                self.rules.append({
                    "re": re.compile(r.get("match", "")),
                    "range": re.compile(r["range"]) if r.get("range")
                    is not None else None,
                    "method": str(r.get("method", "*")).upper(),
                    "host": str(r.get("host", "*")).lower(),
                    "fault": str(r.get("fault", "")),
                    "times": r.get("times"),
                    "delay_ms": float(r.get("delay_ms", 0) or 0),
                    "retry_after": r.get("retry_after"),
                    "per_path": bool(r.get("per_path", False)),
                    "used": 0, "used_by": {}})
        except (OSError, ValueError, re.error, AttributeError,
                TypeError) as e:
            warn("faults file %s ignored: %s" % (self.path, e))
            self.rules = []

    def match(self, server, method, target, rng=None):
        if not self.path:
            return None
        with self.lock:
            self._refresh()
            for r in self.rules:
                if r["host"] not in ("*", server):
                    continue
                if r["method"] not in ("*", method):
                    continue
                if not r["re"].search(target):
                    continue
                if r["range"] is not None and (
                        rng is None or not r["range"].search(rng)):
                    continue
                # per_path: `times` counts each path (query left out)
                # apart, e.g. "every file's signed URL expires once".
                key = target.split("?", 1)[0]
                used = r["used_by"].get(key, 0) if r["per_path"] else \
                    r["used"]
                if r["times"] is not None and used >= int(r["times"]):
                    continue
                r["used"] += 1
                r["used_by"][key] = r["used_by"].get(key, 0) + 1
                return dict(r)
        return None


# ===== Rate limits =====


class RateLimiter:
    """hub.md 2.7: one fixed window counter per bucket."""

    def __init__(self, quotas, window):
        self.quotas, self.window = quotas, window
        self.start = time.time()
        self.state = {}
        self.lock = threading.Lock()

    def hit(self, bucket):
        """Count a request; (remaining, reset seconds, quota, over)."""
        now = time.time()
        idx = int((now - self.start) // self.window)
        with self.lock:
            w, n = self.state.get(bucket, (idx, 0))
            if w != idx:
                n = 0
            n += 1
            self.state[bucket] = (idx, n)
        q = self.quotas[bucket]
        reset = max(1, int(self.start + (idx + 1) * self.window - now + 0.999))
        return max(0, q - n), reset, q, n > q


# ===== Request log =====


class RequestLog:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, entry):
        if self.f is None:
            return
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


def warn(msg):
    sys.stderr.write("mockhub: %s\n" % msg)
    sys.stderr.flush()


# ===== The Hub state =====


class Hub:
    def __init__(self, args):
        self.args = args
        self.hash_cache = {}
        self.scan_sig = None
        self.synth = [make_synth_repo(i, args.generate_mb)
                      for i in range(args.generate)]
        self.reload_lock = threading.Lock()
        self.state = None
        self.faults = Faults(args.faults)
        self.limiter = RateLimiter({"api": args.quota,
                                    "resolvers": args.resolver_quota,
                                    "pages": args.quota}, args.window)
        self.log = RequestLog(args.log)
        self.api_base = self.cdn_base = None
        self.cdn_addr = None
        self.rescan(force=True)

    def _signature(self):
        """Sizes and mtimes of everything under --repos."""
        sig = []
        d = self.args.repos
        if not d:
            return ()
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = sorted(x for x in dirnames if x != ".git")
            for fn in filenames:
                ap = os.path.join(dirpath, fn)
                try:
                    st = os.stat(ap)
                except OSError:
                    continue
                sig.append((ap, st.st_size, st.st_mtime_ns))
        return tuple(sorted(sig))

    def rescan(self, force=False):
        sig = self._signature()
        if not force and sig == self.scan_sig:
            return
        repos = list(self.synth)
        d = self.args.repos
        if d:
            for org in sorted(os.listdir(d)):
                od = os.path.join(d, org)
                if org.startswith(".") or not os.path.isdir(od):
                    continue
                for name in sorted(os.listdir(od)):
                    if name.startswith(".") or not os.path.isdir(
                            os.path.join(od, name)):
                        continue
                    try:
                        repos.append(scan_disk_repo(
                            d, org + "/" + name, self.hash_cache,
                            self.args.lfs_threshold))
                    except OSError as e:
                        warn("skipping %s/%s: %s" % (org, name, e))
        for r in self.synth:
            r.children = {x: 0 for x in RELATIONS}
        self.scan_sig = sig
        self.state = RepoSet(repos)

    def current(self):
        d = self.args.repos
        if d:
            marker = os.path.join(d, ".reload")
            if self.args.reload or os.path.exists(marker):
                with self.reload_lock:
                    if os.path.exists(marker):
                        self.rescan(force=True)
                        try:
                            os.unlink(marker)
                        except OSError:
                            pass
                    elif self.args.reload:
                        self.rescan()
        return self.state

    def sign(self, path, expires):
        return hmac.new(CDN_SECRET, ("%s:%d" % (path, expires)).encode(),
                        hashlib.sha256).hexdigest()


# ===== HTTP =====


class Resp:
    """A response before it is written: status, headers, body (bytes or a
    (file, offset, length) slice), and whether it is a bare edge answer."""

    def __init__(self, status, body=b"", ctype=None, headers=None):
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = list(headers or [])
        self.bare = False

    def length(self):
        return self.body[2] if isinstance(self.body, tuple) else len(
            self.body)


def api_error(status, msg, code=None, headers=None):
    h = list(headers or [])
    if code:
        h.append(("X-Error-Code", code))
    h.append(("X-Error-Message", msg))
    return Resp(status, jdump({"error": msg}), JSON_CT, h)


def text_error(status, msg, code=None, headers=None):
    h = list(headers or [])
    if code:
        h.append(("X-Error-Code", code))
    h.append(("X-Error-Message", msg))
    return Resp(status, msg.encode(), TEXT_CT, h)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mockhub"
    sys_version = ""
    timeout = 60
    disable_nagle_algorithm = True

    # --- plumbing ---

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_request(head=False)

    def do_HEAD(self):
        self.handle_request(head=True)

    def _other(self):
        if not self._drain():
            return self.send_error(400, "Bad Content-Length")
        self._rl = None
        r = Resp(405, jdump({"error": "Method not allowed"}), JSON_CT,
                 [("Allow", "GET, HEAD")])
        self.emit(r, head=False, kind=None, fault=None)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other

    def _drain(self):
        """Read and drop a request body; False if Content-Length is bad."""
        v = (self.headers.get("Content-Length") or "0").strip()
        if not v.isdigit():
            self.close_connection = True
            return False
        n = int(v)
        if n > (1 << 20):
            self.close_connection = True
        elif n:
            self.rfile.read(n)
        return True

    def send_error(self, code, message=None, explain=None):
        """Malformed requests (bad request line, headers, unsupported
        method) get a 400-style JSON answer and a closed connection."""
        self.close_connection = True
        msg = message or self.responses.get(code, ("Error",))[0]
        r = Resp(code, jdump({"error": msg}), JSON_CT)
        if not hasattr(self, "command") or self.command is None:
            self.command = ""
        if not hasattr(self, "path"):
            self.path = ""
        self._rl = None
        try:
            self.emit(r, head=False, kind=None, fault=None)
        except Exception:
            pass

    def hub(self):
        return self.server.hub

    def kind(self):
        return self.server.kind

    def auth(self):
        return self.headers.get("Authorization") is not None

    def bearer(self):
        v = self.headers.get("Authorization") or ""
        m = re.match(r"^\s*Bearer\s+(\S+)\s*$", v, re.I)
        return m.group(1) if m else None

    def host_base(self):
        """Absolute base URL for Link headers: the Host the client used,
        else the API URL."""
        h = self.headers.get("Host") or ""
        if re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?",
                        h):
            return "http://" + h
        return self.hub().api_base

    # --- main entry ---

    def handle_request(self, head):
        hub = self.hub()
        args = hub.args
        if not self._drain():
            return self.send_error(400, "Bad Content-Length")
        if args.latency_ms:
            time.sleep(args.latency_ms / 1000.0)
        target = self.path
        fault = hub.faults.match(self.kind(), self.command, target,
                                 self.headers.get("Range"))
        if fault and fault["delay_ms"]:
            time.sleep(fault["delay_ms"] / 1000.0)
        kind = fault["fault"] if fault else None
        self._rl = None
        try:
            if self.kind() == "cdn":
                r = self.fault_response(fault) or self.route_cdn(head, kind)
            else:
                r = self.route_api_with_checks(fault, kind)
        except BadRequest as e:
            r = api_error(400, str(e))
        except Exception:
            traceback.print_exc()
            r = api_error(500, "Internal Error")
        self.emit(r, head, kind, fault)

    def emit(self, r, head, kind, fault):
        """Add the per-server headers, write, and log one response."""
        if self.kind() == "api" and not r.bare:
            self.add_hub_headers(r, fault)
        elif self.kind() == "cdn" and kind == "429":
            ra = fault.get("retry_after") if fault else None
            t = int(ra) if ra is not None else 1
            r.headers += [("RateLimit", '"resolvers";r=0;t=%d' % t),
                          ("RateLimit-Policy", '"fixed window";"resolvers";'
                           'q=%d;w=%d' % (self.hub().args.resolver_quota,
                                          self.hub().args.window))]
        self.finish_request(r, head, kind)

    def route_api_with_checks(self, fault, kind):
        hub = self.hub()
        path = self.path.split("?", 1)[0]
        bucket = "resolvers" if ("/resolve/" in path or path.startswith(
            "/api/resolve-cache/")) else "api" if path.startswith(
            "/api/") else "pages"
        remaining, reset, quota, over = hub.limiter.hit(bucket)
        self._rl = (bucket, remaining, reset, quota)
        r = self.fault_response(fault)
        if r is not None:
            return r
        if over:
            msg = ("You have been rate-limited; you can retry this action "
                   "in about %d seconds." % reset)
            return self.error_for(path, 429, msg)
        if hub.args.valid_token and self.bearer() not in (
                None, hub.args.valid_token):
            return self.error_for(
                path, 401, "Invalid credentials in Authorization header")
        if hub.args.token_required and not self.bearer():
            return self.error_for(path, 401, ANON_MSG)
        return self.route_api(kind)

    def add_hub_headers(self, r, fault):
        """hub.md 2.7 and 6 item 8: headers on every API response."""
        a = self.hub().args
        bucket, remaining, reset, quota = self._rl or (
            "api", a.quota, a.window, a.quota)
        if r.status == 429:
            remaining = 0
            if fault and fault["fault"] == "429":
                ra = fault.get("retry_after")
                reset = int(ra) if ra is not None else 1
        h = [("x-powered-by", "huggingface-moon"),
             ("x-request-id", "Root=1-%08x-%s" % (
                 int(time.time()), os.urandom(12).hex())),
             ("RateLimit", '"%s";r=%d;t=%d' % (bucket, remaining, reset)),
             ("RateLimit-Policy", '"fixed window";"%s";q=%d;w=%d' % (
                 bucket, quota, self.hub().args.window)),
             ("Access-Control-Expose-Headers", EXPOSE)]
        r.headers = h + r.headers

    def is_api_path(self, path):
        return path.startswith("/api/") and not path.startswith(
            "/api/resolve-cache/")

    def error_for(self, path, status, msg, code=None, headers=None):
        if self.is_api_path(path) or self.kind() == "cdn":
            return api_error(status, msg, code, headers)
        return text_error(status, msg, code, headers)

    def fault_response(self, fault):
        """The answer a fault kind replaces the real one with, or None for
        kinds that act while sending (reset, truncate, badlen, badjson,
        slow, norange, expired)."""
        if not fault:
            return None
        kind = fault["fault"]
        path = self.path.split("?", 1)[0]
        ra = fault.get("retry_after")
        extra = [("Retry-After", str(int(ra)))] if ra is not None else []
        if kind == "429-bare":
            body = (b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 "
                    b"Transitional//EN\"><HTML><HEAD><TITLE>ERROR: The request"
                    b" could not be satisfied</TITLE></HEAD><BODY><H1>429 "
                    b"ERROR</H1></BODY></HTML>")
            r = Resp(429, body, "text/html",
                     [("Server", "CloudFront"),
                      ("X-Cache", "Error from cloudfront")])
            r.bare = True
            return r
        if kind == "429":
            return self.error_for(path, 429, "Too Many Requests: you have "
                                  "reached your rate limit", headers=extra)
        if re.fullmatch(r"[1-5]\d\d", kind):
            st = int(kind)
            reason = self.responses.get(st, ("Error",))[0]
            return self.error_for(path, st, reason, headers=extra)
        if kind == "redirectloop":
            # A redirect to the very same URL, for ever.
            return self.error_for(path, 302, "Found",
                                  headers=[("Location", self.path)])
        rid = self.guess_repo_id(path)
        if kind == "gated":
            return self.gated_error(path, rid or "unknown/model")
        if kind == "notfound":
            return self.error_for(path, 404, "Repository not found",
                                  "RepoNotFound")
        if kind == "private":
            return self.anon_repo_error(path)
        if kind == "entrynotfound":
            st = self.hub().state
            r = st.repos.get(rid) if rid else None
            commit = r.sha if r else sha1hex("no-commit:" + path)
            return self.error_for(path, 404, "Entry not found",
                                  "EntryNotFound",
                                  [("X-Repo-Commit", commit)])
        return None

    def guess_repo_id(self, path):
        segs = [unquote(s) for s in path.split("/")]
        if path.startswith("/api/models/") and len(segs) >= 5:
            return segs[3] + "/" + segs[4]
        if path.startswith("/api/resolve-cache/models/") and len(segs) >= 6:
            return segs[4] + "/" + segs[5]
        if len(segs) >= 4 and segs[3] == "resolve":
            return segs[1] + "/" + segs[2]
        return None

    # --- errors shared by routes (hub.md 2.6) ---

    def anon_repo_error(self, path):
        code = "RepoNotFound" if self.hub().args.anon_error_code else None
        return self.error_for(path, 401, ANON_MSG, code)

    def repo_missing(self, path):
        if self.bearer():
            return self.error_for(path, 404, "Repository not found",
                                  "RepoNotFound")
        return self.anon_repo_error(path)

    def gated_error(self, path, rid):
        if self.bearer():
            msg = ("Access to model %s is restricted and you are not in the "
                   "authorized list. Visit https://huggingface.co/%s to ask "
                   "for access." % (rid, rid))
            return self.error_for(path, 403, msg, "GatedRepo")
        msg = ("Access to model %s is restricted. You must have access to it "
               "and be authenticated to access it. Please log in." % rid)
        return self.error_for(path, 401, msg, "GatedRepo", [
            ("WWW-Authenticate",
             'Bearer realm="Authentication required", charset="UTF-8"')])

    def lookup(self, st, rid, path, build_location):
        """(repo, None) or (None, error/redirect response)."""
        repo, canon = st.find(rid)
        if repo is None and canon is not None:
            loc = build_location(canon)
            q = self.path.split("?", 1)
            if len(q) == 2:
                loc += "?" + q[1]
            body = ("Temporary Redirect. Redirecting to %s" % loc).encode()
            return None, Resp(307, body, TEXT_CT, [("Location", loc)])
        if repo is None or repo.private:
            return None, self.repo_missing(path)
        return repo, None

    @staticmethod
    def resolve_rev(repo, rev):
        if rev in ("main", "HEAD", "refs/heads/main"):
            return True
        low = rev.lower()
        return len(low) >= 7 and re.fullmatch(r"[0-9a-f]+", low) is not None \
            and repo.sha.startswith(low)

    # --- API routes ---

    def route_api(self, kind):
        st = self.hub().current()
        raw = self.path
        if not raw.startswith("/"):
            raise BadRequest("Invalid request target")
        path, _, query = raw.partition("?")
        params = parse_qsl(query, keep_blank_values=True)
        if path in ("/api/models", "/api/models/"):
            return self.api_list(st, params, query)
        if path.startswith("/api/models/"):
            return self.api_model(st, path, params, query)
        if path.startswith("/api/resolve-cache/models/"):
            return self.resolve_cache(st, path, kind)
        segs = path.split("/")
        if len(segs) >= 4 and segs[2] == "resolve" and st.is_legacy(
                unquote(segs[1])):
            return self.resolve(st, unquote(segs[1]), segs[1:2], segs[3:],
                                path)
        if len(segs) >= 5 and segs[3] == "resolve":
            return self.resolve(st, unquote(segs[1]) + "/" + unquote(segs[2]),
                                segs[1:3], segs[4:], path)
        if path.startswith("/api/"):
            return api_error(404, "Sorry, we can't find the page you are "
                             "looking for.")
        return text_error(404, "Not Found")

    def api_list(self, st, params, query):
        """hub.md 1.1 GET /api/models."""
        args = self.hub().args
        get = {}
        for k, v in params:
            get.setdefault(k, []).append(v)
        one = lambda k: get.get(k, [None])[-1]
        expand = get.get("expand", []) + get.get("expand[]", [])
        for i, e in enumerate(expand):
            if e not in EXPAND_VALUES:
                raise BadRequest('"expand[%d]" must be one of [%s]' % (
                    i, ", ".join(EXPAND_VALUES)))
        full, card, conf = (truthy(one("full")), truthy(one("cardData")),
                            truthy(one("config")))
        if expand and (full or card or conf):
            raise BadRequest("expand cannot be combined with full, cardData "
                             "or config")
        sort = one("sort") or "trendingScore"
        if sort not in SORT_KEYS:
            raise BadRequest('"sort" must be one of [%s]' % ", ".join(
                SORT_KEYS))
        limit = args.page_size
        if one("limit") not in (None, ""):
            try:
                limit = int(one("limit"))
            except ValueError:
                raise BadRequest('"limit" must be a number')
            if limit < 1:
                raise BadRequest('"limit" must be greater than or equal to 1')
        limit = min(limit, args.max_limit)
        searches = [s.lower() for s in get.get("search", []) if s]
        author = one("author")
        filters = [f for v in get.get("filter", []) for f in v.split(",")
                   if f]
        pipe = one("pipeline_tag")
        gated = one("gated")
        nparams = self.parse_num_params(one("num_parameters"))
        cursor = one("cursor")

        rows = []
        for r in st.listable:
            if searches and not all(s in r.id.lower() for s in searches):
                continue
            if author and r.org.lower() != author.lower():
                continue
            if filters:
                tags = set(r.tags)
                if not all(f in tags for f in filters):
                    continue
            if pipe and r.pipeline_tag != pipe:
                continue
            if gated is not None and truthy(gated) != bool(r.gated):
                continue
            if nparams:
                total = r.safetensors["total"] if r.safetensors else None
                if total is None or not nparams[0] <= total <= nparams[1]:
                    continue
            rows.append(r)
        # (key desc, _id asc): two stable sorts.
        rows.sort(key=lambda r: r._id)
        rows.sort(key=lambda r: r.sort_value(sort), reverse=True)
        if cursor:
            v, last = self.parse_list_cursor(cursor, sort)
            rows = [r for r in rows if r.sort_value(sort) < v or (
                r.sort_value(sort) == v and r._id > last)]
        page, more = rows[:limit], len(rows) > limit
        out = []
        for r in page:
            if expand:
                keys = [k for k in FIELD_ORDER if k in expand]
                out.append(r.render(keys, listing=True))
            else:
                keys = list(LIST_FULL if full else LIST_DEFAULT)
                if conf:
                    keys.append("config")
                if card:
                    keys.append("cardData")
                d = r.render(keys, listing=True, model_id=True)
                if full:
                    d["siblings"] = r.siblings()
                out.append(d)
        headers = []
        if more:
            last = page[-1]
            cur = b64_cursor({"$or": [
                {sort: last.sort_value(sort), "_id": {"$gt": last._id}},
                {sort: {"$lt": last.sort_value(sort)}}]})
            headers.append(("Link", '<%s>; rel="next"' % self.next_url(
                "/api/models", query, cur)))
        return Resp(200, jdump(out), JSON_CT, headers)

    @staticmethod
    def parse_num_params(v):
        if not v:
            return None
        lo, hi = 0, float("inf")
        mult = {"": 1, "K": 10 ** 3, "M": 10 ** 6, "B": 10 ** 9,
                "T": 10 ** 12}
        for part in v.split(","):
            m = re.fullmatch(r"\s*(min|max)\s*:\s*([\d.]+)\s*([KMBT]?)\s*",
                             part, re.I)
            if not m:
                raise BadRequest('"num_parameters" is invalid')
            n = float(m.group(2)) * mult[m.group(3).upper()]
            if m.group(1).lower() == "min":
                lo = n
            else:
                hi = n
        return lo, hi

    @staticmethod
    def parse_list_cursor(cursor, sort):
        try:
            doc = unb64_cursor(cursor)
            a, b = doc["$or"]
            v, last = a[sort], a["_id"]["$gt"]
            if b[sort]["$lt"] != v or not isinstance(last, str):
                raise ValueError
            if sort in ("id", "createdAt", "lastModified"):
                if not isinstance(v, str):
                    raise ValueError
            elif not isinstance(v, int) or isinstance(v, bool):
                raise ValueError
            return v, last
        except Exception:
            raise BadRequest("Invalid cursor")

    def next_url(self, path, query, cursor):
        kept = [p for p in query.split("&") if p and unquote(
            p.split("=", 1)[0]) != "cursor"]
        kept.append("cursor=" + quote(cursor, safe=""))
        return self.host_base() + path + "?" + "&".join(kept)

    def api_model(self, st, path, params, query):
        """hub.md 1.2-1.4: /api/models/{id}[/revision/{rev}|/tree/...]."""
        segs = path[len("/api/models/"):].split("/")
        if segs and segs[-1] == "" and len(segs) > 1:
            segs = segs[:-1]
        subs = ("revision", "tree", "refs")
        if st.is_legacy(unquote(segs[0])) and (len(segs) == 1 or
                                               segs[1] in subs):
            rid, idsegs, tail = unquote(segs[0]), 1, segs[1:]
        elif len(segs) >= 2:
            rid, idsegs, tail = unquote(segs[0]) + "/" + unquote(segs[1]), \
                2, segs[2:]
        else:
            return self.repo_missing(path)
        rest = "/".join(segs[idsegs:])
        repo, err = self.lookup(st, rid, path, lambda canon: (
            "/api/models/" + quote(canon) + ("/" + rest if rest else "")))
        if err is not None:
            return err
        get = {}
        for k, v in params:
            get.setdefault(k, []).append(v)
        if not tail:
            return self.model_info(repo, "main", get)
        if tail[0] == "revision" and len(tail) >= 2:
            return self.model_info(repo, unquote("/".join(tail[1:])), get)
        if tail[0] == "tree" and len(tail) >= 2:
            return self.tree(repo, unquote(tail[1]),
                             unquote("/".join(tail[2:])), get, path, query)
        if tail == ["refs"]:
            return Resp(200, jdump({"branches": [
                {"name": "main", "ref": "refs/heads/main",
                 "targetCommit": repo.sha}], "tags": [], "converts": []}),
                JSON_CT)
        return api_error(404, "Sorry, we can't find the page you are "
                         "looking for.")

    def model_info(self, repo, rev, get):
        if not self.resolve_rev(repo, rev):
            return api_error(404, "Invalid rev id: %s" % rev,
                             "RevisionNotFound")
        expand = get.get("expand", []) + get.get("expand[]", [])
        for i, e in enumerate(expand):
            if e not in EXPAND_VALUES:
                raise BadRequest('"expand[%d]" must be one of [%s]' % (
                    i, ", ".join(EXPAND_VALUES)))
        blobs = truthy(get.get("blobs", ["false"])[-1])
        if expand:
            d = repo.render([k for k in FIELD_ORDER if k in expand],
                            blobs=blobs)
        else:
            d = repo.render(["private", "pipeline_tag", "library_name",
                             "tags", "downloads", "likes"], blobs=blobs,
                            model_id=True)
            d.update(repo.render(INFO_DEFAULT[6:], head=False, blobs=blobs))
        if truthy(get.get("securityStatus", ["false"])[-1]):
            d["securityRepoStatus"] = {"scansDone": True,
                                       "filesWithIssues": []}
        return Resp(200, jdump(d), JSON_CT)

    def tree(self, repo, rev, sub, get, path, query):
        """hub.md 1.3: tree listing, directories first, Link pagination."""
        args = self.hub().args
        if not self.resolve_rev(repo, rev):
            return api_error(404, "Invalid rev id: %s" % rev,
                             "RevisionNotFound")
        sub = sub.strip("/")
        recursive = truthy(get.get("recursive", ["false"])[-1])
        expand = truthy(get.get("expand", ["false"])[-1])
        dirs = set()
        for f in repo.files:
            parts = f.path.split("/")
            for i in range(1, len(parts)):
                dirs.add("/".join(parts[:i]))
        if sub and sub not in dirs:
            msg = ("%s does not exist on \"%s\"" % (sub, rev)) if \
                sub not in repo.by_path else "%s is not a directory" % sub
            return api_error(404, msg, "EntryNotFound",
                             [("X-Repo-Commit", repo.sha)])
        pre = sub + "/" if sub else ""

        def under(p):
            if not p.startswith(pre) or p == sub:
                return False
            return recursive or "/" not in p[len(pre):]
        entries = [(0, d) for d in sorted(dirs, key=str.encode) if under(d)]
        entries += [(1, f.path) for f in repo.files if under(f.path)]
        default = args.tree_expand_page_size if expand else \
            args.tree_page_size
        limit = default
        lv = get.get("limit", [None])[-1]
        if lv not in (None, ""):
            try:
                limit = int(lv)
            except ValueError:
                raise BadRequest('"limit" must be a number')
            if limit < 1:
                raise BadRequest('"limit" must be greater than or equal to 1')
        limit = min(limit, args.max_limit)
        cur = get.get("cursor", [None])[-1]
        if cur:
            try:
                doc = unb64_cursor(cur)
                after = (int(doc["after"][0]), str(doc["after"][1]))
            except Exception:
                raise BadRequest("Invalid cursor")
            entries = [e for e in entries
                       if (e[0], e[1].encode()) > (after[0],
                                                    after[1].encode())]
        page, more = entries[:limit], len(entries) > limit
        out = []
        for t, p in page:
            if t == 0:
                e = {"type": "directory",
                     "oid": sha1hex("tree\0%s\0%s" % (repo.sha, p)),
                     "size": 0, "path": p}
            else:
                f = repo.by_path[p]
                e = {"type": "file", "oid": blob_id(f), "size": f.size}
                if f.lfs:
                    e["lfs"] = {"oid": f.sha256(), "size": f.size,
                                "pointerSize": pointer_info(f)[1]}
                e["path"] = p
            if expand:
                e["lastCommit"] = {"id": repo.sha, "title": "Upload model",
                                   "date": repo.lastModified}
                if t == 1:
                    e["securityFileStatus"] = {"status": "safe"}
            out.append(e)
        headers = []
        if more:
            c = b64_cursor({"after": list(page[-1])})
            headers.append(("Link", '<%s>; rel="next"' % self.next_url(
                path, query, c)))
        return Resp(200, jdump(out), JSON_CT, headers)

    # --- downloads (hub.md 2) ---

    def resolve(self, st, rid, idraw, tail, path):
        """HEAD|GET /{id}/resolve/{rev}/{path}."""
        rest = "/".join(tail)
        repo, err = self.lookup(st, rid, path, lambda canon: (
            "/" + quote(canon) + "/resolve/" + rest))
        if err is not None:
            return err
        if not tail or not tail[0]:
            return text_error(404, "Entry not found", "EntryNotFound",
                              [("X-Repo-Commit", repo.sha)])
        rev = unquote(tail[0])
        fpath = unquote("/".join(tail[1:]))
        if not self.resolve_rev(repo, rev):
            return text_error(404, "Invalid rev id: %s" % rev,
                              "RevisionNotFound")
        if repo.gated:
            return self.gated_error(path, repo.id)
        if repo.disabled:
            return text_error(403, "Access to this resource is disabled.")
        f = repo.by_path.get(fpath)
        if f is None:
            return text_error(404, "Entry not found", "EntryNotFound",
                              [("X-Repo-Commit", repo.sha)])
        hub = self.hub()
        common = [("X-Repo-Commit", repo.sha), ("Accept-Ranges", "bytes")]
        if f.lfs:
            sha = f.sha256()
            cpath = "/repos/%s/%s" % (repo._id, sha)
            exp = int(time.time()) + hub.args.url_ttl
            disp = 'inline; filename*=UTF-8\'\'%s; filename="%s"' % (
                quote(f.path.rsplit("/", 1)[-1]), f.path.rsplit("/", 1)[-1])
            q = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=%d"
                 "&Expires=%d&response-content-disposition=%s"
                 "&X-Amz-Signature=%s" % (hub.args.url_ttl, exp,
                                          quote(disp, safe=""),
                                          hub.sign(cpath, exp)))
            loc = hub.cdn_base + cpath + "?" + q
            body = ("Found. Redirecting to %s" % loc).encode()
            return Resp(302, body, TEXT_CT, common + [
                ("X-Linked-Etag", '"%s"' % sha),
                ("X-Linked-Size", str(f.size)), ("Location", loc)])
        etag = f.git_sha1()
        loc = "/api/resolve-cache/models/%s/%s/%s?%s=&etag=%s" % (
            quote(repo.id), repo.sha, quote(f.path),
            quote("/%s/resolve/%s/%s" % (repo.id, rev, f.path), safe=""),
            quote('"%s"' % etag, safe=""))
        body = ("Temporary Redirect. Redirecting to %s" % loc).encode()
        return Resp(307, body, TEXT_CT, common + [("Location", loc)])

    def resolve_cache(self, st, path, kind):
        """GET /api/resolve-cache/models/{id}/{commit}/{path}."""
        segs = path.split("/")
        if len(segs) < 7:
            return text_error(404, "Entry not found", "EntryNotFound")
        rid = unquote(segs[4]) + "/" + unquote(segs[5])
        rest = "/".join(segs[6:])
        repo, err = self.lookup(st, rid, path, lambda canon: (
            "/api/resolve-cache/models/" + quote(canon) + "/" + rest))
        if err is not None:
            return err
        commit = unquote(segs[6])
        if commit != repo.sha:
            return text_error(404, "Invalid rev id: %s" % commit,
                              "RevisionNotFound")
        if repo.gated:
            return self.gated_error(path, repo.id)
        if repo.disabled:
            return text_error(403, "Access to this resource is disabled.")
        f = repo.by_path.get(unquote("/".join(segs[7:])))
        if f is None:
            return text_error(404, "Entry not found", "EntryNotFound",
                              [("X-Repo-Commit", repo.sha)])
        ct = JSON_CT if f.path.endswith(".json") else TEXT_CT if \
            f.path.endswith((".md", ".txt", ".yaml", ".yml")) else \
            "application/octet-stream"
        return self.ranged(f, ct, [("ETag", '"%s"' % f.git_sha1()),
                                   ("X-Repo-Commit", repo.sha)], kind)

    def ranged(self, f, ctype, headers, kind):
        """200/206/416 for a file body (hub.md 2.4)."""
        total = f.size
        rng = None if kind == "norange" else parse_range(
            self.headers.get("Range"), total)
        if kind == "shiftrange" and isinstance(rng, tuple) and \
                rng[0] + 8 <= rng[1]:
            # A broken edge: a 206 that starts later than asked, its
            # Content-Range saying so.
            rng = (rng[0] + 8, rng[1])
        h = list(headers) + [("Accept-Ranges", "bytes")]
        if kind == "norange" and re.search(
                r"\bgzip\b", self.headers.get("Accept-Encoding") or ""):
            # hub.md 2.3: CloudFront ignores Range when it compresses: a
            # 200 with the whole file, gzipped for a client that accepts it.
            body = gzip.compress(f.read(0, total), mtime=0)
            return Resp(200, body, ctype, h + [("Content-Encoding", "gzip"),
                                               ("Vary", "Accept-Encoding")])
        if rng == "unsat":
            h.append(("Content-Range", "bytes */%d" % total))
            return Resp(416, b"", None, h)
        if rng is None:
            return Resp(200, (f, 0, total), ctype, h)
        a, b = rng
        h.append(("Content-Range", "bytes %d-%d/%d" % (a, b, total)))
        return Resp(206, (f, a, b - a + 1), ctype, h)

    # --- CDN (hub.md 2.2, 2.3) ---

    def route_cdn(self, head, kind):
        hub = self.hub()
        st = hub.current()
        path, _, query = self.path.partition("?")
        q = dict(parse_qsl(query, keep_blank_values=True))
        xml = "application/xml"

        def s3err(status, code, msg, more=""):
            return Resp(status, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                 "<Error><Code>%s</Code><Message>%s</Message>"
                                 "%s</Error>" % (code, msg, more)).encode(),
                        xml, [("X-Cache", "Error from cloudfront")])
        if hub.args.cdn_reject_auth and self.auth():
            return s3err(400, "InvalidArgument", "Only one auth mechanism "
                         "allowed; only the X-Amz-Algorithm query parameter, "
                         "Signature query string parameter or the "
                         "Authorization header should be specified")
        m = re.fullmatch(r"/repos/([0-9a-f]{24})/([0-9a-f]{64})", path)
        if not m:
            return s3err(404, "NoSuchKey", "The specified key does not exist.")
        try:
            exp = int(q.get("Expires", ""))
        except ValueError:
            exp = None
        sig = q.get("X-Amz-Signature", "")
        if exp is None or not hmac.compare_digest(sig, hub.sign(path, exp)):
            return s3err(403, "AccessDenied", "Invalid signature")
        if kind == "expired" or exp < time.time():
            # What S3 says of a presigned URL past its X-Amz-Expires.
            iso = "%Y-%m-%dT%H:%M:%SZ"
            now = time.time()
            return s3err(403, "AccessDenied", "Request has expired", (
                "<X-Amz-Expires>%s</X-Amz-Expires><Expires>%s</Expires>"
                "<ServerTime>%s</ServerTime><RequestId>%s</RequestId>"
                "<HostId>%s</HostId>" % (
                    q.get("X-Amz-Expires", ""),
                    time.strftime(iso, time.gmtime(min(exp, now - 1))),
                    time.strftime(iso, time.gmtime(now)),
                    hashlib.sha1(self.path.encode()).hexdigest()[:16].upper(),
                    base64.b64encode(hashlib.sha256(
                        self.path.encode()).digest()).decode())))
        repo = st.by_oid.get(m.group(1))
        f = None
        if repo is not None:
            for x in repo.files:
                if x.lfs and x.sha256() == m.group(2):
                    f = x
                    break
        if f is None:
            return s3err(404, "NoSuchKey", "The specified key does not exist.")
        disp = q.get("response-content-disposition")
        h = [("ETag", '"%s"' % hashlib.sha256(
            ("xet:" + m.group(2)).encode()).hexdigest()),
            ("Last-Modified", time.strftime(
                "%a, %d %b %Y %H:%M:%S GMT",
                time.gmtime(parse_iso(repo.lastModified)))),
            ("X-Cache", "Miss from cloudfront")]
        if disp:
            h.append(("Content-Disposition", disp))
        return self.ranged(f, "application/octet-stream", h, kind)

    # --- writing (faults that act on the transport live here) ---

    def finish_request(self, r, head, kind):
        sent, status = 0, r.status
        self._sent = 0
        try:
            sent = self.write_response(r, head, kind)
        except (OSError, ValueError):
            sent = self._sent  # what went out before the client cut it
            self.close_connection = True
        self.hub().log.write({
            "t": round(time.time(), 6), "server": self.kind(),
            "method": self.command or None, "path": self.path or None,
            "range": self.headers.get("Range") if getattr(
                self, "headers", None) else None,
            "encoding": self.headers.get("Accept-Encoding") if getattr(
                self, "headers", None) else None,
            "auth": bool(getattr(self, "headers", None) and self.auth()),
            "status": status, "bytes": sent, "fault": kind})

    def write_response(self, r, head, kind):
        """Write status, headers and body; returns body bytes sent."""
        n = r.length()
        body_bytes = None
        if kind == "badjson" and not isinstance(r.body, tuple):
            b = r.body
            r.body = (b[:max(1, len(b) // 2)] + b'",]{') if b else b'{"'
            n = len(r.body)
        declared, send_n, after = n, n, None
        if kind == "truncate":
            send_n, after = n // 2, "close"
        elif kind == "badlen":
            declared, after = n + max(16, n // 2), "close"
        elif kind == "reset":
            send_n, after = min(n // 2, 65536), "reset"
        if head:
            send_n = 0
        reason = self.responses.get(r.status, ("Unknown",))[0]
        lines = ["HTTP/1.1 %d %s" % (r.status, reason)]
        if not r.bare:
            lines.append("Date: " + self.date_time_string())
        for k, v in r.headers:
            lines.append("%s: %s" % (k, v))
        if r.ctype:
            lines.append("Content-Type: " + r.ctype)
        lines.append("Content-Length: %d" % declared)
        if self.close_connection or after:
            self.close_connection = True
            if not after:
                lines.append("Connection: close")
        hdr = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if after == "reset" and send_n == 0:
            self.wfile.write(hdr[:hdr.index(b"\r\n") + 2])
            self.reset_socket()
            return 0
        sent = 0
        if isinstance(r.body, tuple):
            f, off, _ = r.body
            first = f.read(off, min(send_n, CHUNK)) if send_n else b""
            self.wfile.write(hdr + first)
            sent = self._sent = len(first)
            while sent < send_n:
                chunk = f.read(off + sent, min(CHUNK, send_n - sent))
                if not chunk:
                    self.close_connection = True
                    break
                self.wfile.write(chunk)
                sent += len(chunk)
                self._sent = sent
        else:
            self.wfile.write(hdr + r.body[:send_n])
            sent = send_n
        if after == "reset":
            self.reset_socket()
        return sent

    def reset_socket(self):
        """Close with RST (SO_LINGER 0), no FIN first."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            fd = self.connection.detach()
            os.close(fd)
        except OSError:
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, hub, kind):
        self.hub, self.kind = hub, kind
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        # A client that vanished is not an error worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


# ===== Main =====


def is_loopback(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    for info in infos:
        a = info[4][0]
        if not (a.startswith("127.") or a == "::1"):
            return False
    return True


def url_of(server):
    host, port = server.server_address[:2]
    if ":" in host:
        host = "[%s]" % host
    return "http://%s:%d" % (host, port)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="A local mock of the Hugging Face Hub (see README.md).")
    p.add_argument("--repos", metavar="DIR",
                   help="folder of <org>/<name>/ repos")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cdn-host", default="127.0.0.2")
    p.add_argument("--cdn-port", type=int, default=0)
    p.add_argument("--port-file", metavar="F")
    p.add_argument("--log", metavar="F")
    p.add_argument("--faults", metavar="F")
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--max-limit", type=int, default=1000)
    p.add_argument("--tree-page-size", type=int, default=1000)
    p.add_argument("--tree-expand-page-size", type=int, default=100)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--generate", type=int, default=0, metavar="N")
    p.add_argument("--generate-mb", type=float, default=0, metavar="M")
    p.add_argument("--token-required", action="store_true")
    p.add_argument("--valid-token", metavar="T")
    p.add_argument("--anon-error-code", action="store_true")
    p.add_argument("--reload", action="store_true")
    p.add_argument("--quota", type=int, default=1000000)
    p.add_argument("--resolver-quota", type=int, default=1000000)
    p.add_argument("--window", type=int, default=300)
    p.add_argument("--url-ttl", type=int, default=3600)
    p.add_argument("--lfs-threshold", type=int, default=1048576)
    p.add_argument("--cdn-reject-auth", action="store_true")
    args = p.parse_args(argv)
    if not args.repos and not args.generate:
        p.error("give --repos DIR and/or --generate N")
    if args.repos and not os.path.isdir(args.repos):
        p.error("--repos %s: not a directory" % args.repos)
    for h in (args.host, args.cdn_host):
        if not is_loopback(h):
            p.error("%s: only loopback addresses are allowed" % h)
    if args.page_size < 1 or args.max_limit < 1 or args.window < 1:
        p.error("--page-size, --max-limit and --window must be >= 1")

    hub = Hub(args)
    api = Server((args.host, args.port), hub, "api")
    try:
        cdn = Server((args.cdn_host, args.cdn_port), hub, "cdn")
    except OSError as e:
        warn("cannot bind the CDN on %s (%s); using %s" % (
            args.cdn_host, e, args.host))
        cdn = Server((args.host, args.cdn_port), hub, "cdn")
    hub.api_base, hub.cdn_base = url_of(api), url_of(cdn)
    threads = [threading.Thread(target=s.serve_forever,
                                kwargs={"poll_interval": 0.1}, daemon=True)
               for s in (api, cdn)]
    for t in threads:
        t.start()

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    line = "%s %s\n" % (hub.api_base, hub.cdn_base)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(line)
        os.replace(tmp, args.port_file)
    try:
        sys.stdout.write(line)
        sys.stdout.flush()
    except OSError:
        pass
    while not stop.wait(0.2):
        pass
    for s in (api, cdn):
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
