#!/usr/bin/env python3
"""tests/check-examples.py - the examples in the documentation are produced
by running them.

Every `console` example of README.md (and of any other tracked Markdown
file) and every example of the man pages is a command line, `$ cmd`,
followed by what it prints.  This tool runs them and compares, or
rewrites the outputs in place.

  Markdown: a ```console block; its `$ ` lines are commands, the lines up
    to the next `$ ` line their output.
  man pages (man/*.[1-9]): a `.Bd -literal` block whose first line starts
    with `$ `; roff escapes (\\e, \\&, \\-) are undone for comparison and
    redone when writing.  `.Dl` one-line displays are not run.
  A command line that ends with `|`, `\\`, `&&` or `||` continues on the
  next line.

Each document runs in order in one fresh environment (one bash process):
cwd is the checkout, `zoodex` on PATH is $ZX (default build/zoodex),
LC_ALL is C.UTF-8 for Markdown and C for man pages, TZ=UTC, a clean
environment (no HF_TOKEN, no user cache), HOME and TMPDIR in a scratch
folder, HF_ENDPOINT pointing at a closed loopback port (so nothing ever
reaches the network), and `/tmp` in every command stands for a fresh
temporary folder (ZOODEX_DB is its `zx`, i.e. `/tmp/zx`).  Hidden set-up
steps run at their place in the document:

  <!-- example-setup: shell commands -->            (Markdown, may span lines)
  .\\" example-setup: shell commands                (roff, one line each;
                                                     also inside a block)

They may use `mockhub DIR [ARGS]`: copy the repos in DIR to a scratch
folder with every file dated 2025-01-01 (so that the Hub's lastModified,
and hence every crawl, is the same in any checkout), start
tests/mockhub/mockhub.py on them and export HF_ENDPOINT; it is stopped when
the document is done.

Outputs are compared after mapping the scratch folder to /tmp and the
checkout to /src/zoodex, with trailing blanks dropped, and with times
(ISO 8601 timestamps, durations such as `0.3 s` or `12 ms`, rates) and
loopback ports blanked.  --update writes the outputs that differ, keeping
those that compare equal untouched (so a rerun changes nothing).

usage: tests/check-examples.py [--update] [-j N] [-v] [FILE...]
Prints "check-examples: N passed, N failed"; exits 1 on any difference or
failed set-up step (also with --update for a failed set-up step).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CANON_ROOT = "/src/zoodex"
TIMEOUT = 120


class Step:
    """A command (shown) or a set-up (hidden) at a place in a document."""

    def __init__(self, kind, text, line, out_start=None, out_end=None,
                 expected=None):
        self.kind = kind          # "cmd" or "setup"
        self.text = text          # shell text, unescaped
        self.line = line          # 1-based line of the command in the file
        self.out_start = out_start  # index of the first output line
        self.out_end = out_end      # index past the last output line
        self.expected = expected    # the document's output, unescaped
        self.actual = None
        self.rc = None


def continues(cmd):
    s = cmd.rstrip()
    return s.endswith(("|", "\\", "&&", "||"))


# ---- Markdown ---------------------------------------------------------

SETUP_MD = re.compile(r"<!--\s*example-setup:(.*?)-->", re.S)


def parse_md(lines):
    steps = []
    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        m = re.match(r"\s*<!--\s*example-setup:", ln)
        if m:
            j = i
            text = ln
            while "-->" not in lines[j] and j + 1 < n:
                j += 1
                text += "\n" + lines[j]
            mm = SETUP_MD.search(text)
            if mm:
                steps.append(Step("setup", mm.group(1).strip(), i + 1))
            i = j + 1
            continue
        fence = re.match(r"^(\s*)(`{3,}|~{3,})\s*(\S*)", ln)
        if not fence:
            i += 1
            continue
        marker, lang = fence.group(2), fence.group(3)
        j = i + 1
        while j < n and not lines[j].strip().startswith(marker):
            j += 1
        if lang == "console":
            steps += block_steps(lines, i + 1, j, lambda s: s)
        i = j + 1
    return steps


def block_steps(lines, start, end, unescape, setup_re=None):
    """Commands and their outputs in lines[start:end]."""
    steps = []
    k = start
    cur = None
    while k < end:
        raw = lines[k]
        if setup_re is not None:
            m = setup_re.match(raw)
            if m:
                if cur is not None:
                    cur.out_end = k
                    cur = None
                steps.append(Step("setup", m.group(1).strip(), k + 1))
                k += 1
                continue
            if raw.startswith('.\\"'):
                k += 1
                continue
        text = unescape(raw)
        if text.startswith("$ "):
            if cur is not None:
                cur.out_end = k
            cmd = text[2:]
            line = k + 1
            while continues(cmd) and k + 1 < end:
                k += 1
                cmd += "\n" + unescape(lines[k])
            cur = Step("cmd", cmd, line, out_start=k + 1)
            steps.append(cur)
        elif cur is None and text.strip():
            # output before any command: not an example block
            pass
        k += 1
    if cur is not None:
        cur.out_end = end
    for s in steps:
        if s.kind == "cmd":
            s.expected = [unescape(x) for x in lines[s.out_start:s.out_end]
                          if setup_re is None or not x.startswith('.\\"')]
    return steps


# ---- roff (mdoc) --------------------------------------------------------

SETUP_ROFF = re.compile(r'^\.\\"\s*example-setup:(.*)$')
ROFF_NAMED = {"aq": "'", "dq": '"', "ti": "~", "ha": "^", "rs": "\\",
              "em": "--", "en": "-", "mi": "-", "pl": "+"}


def roff_unescape(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 == len(s):
            out.append(c)
            i += 1
            continue
        d = s[i + 1]
        if d == "e" or d == "\\":
            out.append("\\")
            i += 2
        elif d == "&":
            i += 2
        elif d == "-":
            out.append("-")
            i += 2
        elif d == "(" and i + 3 < len(s) + 1:
            name = s[i + 2:i + 4]
            out.append(ROFF_NAMED.get(name, "\\(" + name))
            i += 4
        elif d == "[":
            j = s.find("]", i)
            name = s[i + 2:j] if j > 0 else ""
            out.append(ROFF_NAMED.get(name, s[i:j + 1]))
            i = j + 1 if j > 0 else len(s)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def roff_escape(s):
    s = s.replace("\\", "\\e")
    if s == "" or s[0] in ".'":
        s = "\\&" + s
    return s


def parse_roff(lines):
    steps = []
    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        m = SETUP_ROFF.match(ln)
        if m:
            steps.append(Step("setup", m.group(1).strip(), i + 1))
            i += 1
            continue
        if ln.startswith(".Bd") and "-literal" in ln:
            j = i + 1
            while j < n and not lines[j].startswith(".Ed"):
                j += 1
            first = next((x for x in lines[i + 1:j]
                          if not x.startswith('.\\"')), "")
            if roff_unescape(first).startswith("$ "):
                steps += block_steps(lines, i + 1, j, roff_unescape,
                                     SETUP_ROFF)
            i = j + 1
            continue
        i += 1
    return steps


# ---- running ----------------------------------------------------------

PRELUDE = r'''
__pids=
__cleanup() {
    for __p in $__pids; do kill "$__p" 2>/dev/null; wait "$__p" 2>/dev/null; done
}
trap __cleanup EXIT
__st() { return "$1"; }
__rc=0
# mockhub DIR [ARGS]: serve a dated copy of the repos in DIR (see the top
# of tests/check-examples.py); exports HF_ENDPOINT.
mockhub() {
    __src=$1
    shift
    __h=$(mktemp -d "$__SCRATCH/hub.XXXXXX") || return 1
    cp -r "$__src" "$__h/repos" &&
        find "$__h/repos" -exec touch -h -d 2025-01-01T00:00:00Z {} + || return 1
    python3 tests/mockhub/mockhub.py --repos "$__h/repos" \
        --port-file "$__h/port" --log "$__h/log" "$@" >"$__h/out" 2>&1 &
    __pids="$__pids $!"
    __i=0
    while [ ! -s "$__h/port" ] && [ $__i -lt 200 ]; do
        sleep 0.05
        __i=$((__i + 1))
    done
    if [ ! -s "$__h/port" ]; then
        echo "mockhub: did not start:" >&2
        cat "$__h/out" >&2
        return 1
    fi
    HF_ENDPOINT=$(cut -d' ' -f1 "$__h/port")
    export HF_ENDPOINT
}
'''


def sh_subst_tmp(text, tmp):
    """/tmp in a command stands for the document's scratch /tmp."""
    return re.sub(r"(?<![\w./-])/tmp(?=/|\b|$)", tmp, text)


class Doc:
    def __init__(self, path):
        self.path = path
        self.rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.lines = self.text.split("\n")
        self.roff = not self.rel.endswith(".md")
        self.steps = (parse_roff if self.roff else parse_md)(self.lines)
        self.error = None

    def commands(self):
        return [s for s in self.steps if s.kind == "cmd"]

    def run(self, zx):
        base = tempfile.mkdtemp(prefix="zx-examples.")
        try:
            self._run(zx, base)
        finally:
            shutil.rmtree(base, ignore_errors=True)

    def _run(self, zx, base):
        tmp = os.path.join(base, "tmp")
        scratch = os.path.join(base, "scratch")
        home = os.path.join(base, "home")
        bindir = os.path.join(base, "bin")
        for d in (tmp, scratch, home, bindir):
            os.mkdir(d)
        os.symlink(zx, os.path.join(bindir, "zoodex"))
        env = {
            "PATH": bindir + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "TMPDIR": scratch,
            "LC_ALL": "C" if self.roff else "C.UTF-8",
            "TZ": "UTC",
            "TERM": "dumb",
            "ZOODEX_DB": os.path.join(tmp, "zx"),
            "HF_HOME": os.path.join(home, ".cache", "huggingface"),
            "HF_ENDPOINT": "http://127.0.0.1:9",
            "__SCRATCH": scratch,
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        parts = [PRELUDE]
        for n, s in enumerate(self.steps):
            text = sh_subst_tmp(s.text, tmp)
            # $? is the previous command's status again when the next
            # one starts (`echo $?` is an example too)
            parts.append("printf '\\036B %d\\n'\n__st $__rc\n{\n%s\n"
                         "} </dev/null 2>&1\n__rc=$?\n"
                         "printf '\\036E %d %%s\\n' \"$__rc\"\n"
                         % (n, text, n))
        script = "".join(parts)
        # The output goes to a file, not a pipe, so that a stray background
        # job cannot hold the run open; whatever is left of the process
        # group once bash is done is killed.
        log = os.path.join(base, "log")
        with open(log, "wb") as f:
            p = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env,
                                 stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True)
            try:
                p.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.error = "timed out after %d s" % TIMEOUT
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        with open(log, "rb") as f:
            out = f.read()
        out = out.decode("utf-8", "replace")
        got = {}
        for m in re.finditer(r"\x1eB (\d+)\n(.*?)\x1eE \1 (\d+)\n", out, re.S):
            got[int(m.group(1))] = (m.group(2), int(m.group(3)))
        maps = [(tmp, "/tmp"), (base, "/tmp"), (ROOT, CANON_ROOT)]
        for n, s in enumerate(self.steps):
            if n not in got:
                s.actual = None
                continue
            text, s.rc = got[n]
            for a, b in maps:
                text = text.replace(a, b)
            lines = [x.rstrip() for x in text.split("\n")]
            if lines and lines[-1] == "":
                lines.pop()
            s.actual = lines


TIME_RES = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"),
     "<time>"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms|us|min)\b(?!\w)"), "<duration>"),
    (re.compile(r"\b\d+(\.\d+)? ?[kKMGT]?i?B/s\b"), "<rate>"),
    (re.compile(r"\b(127\.0\.0\.\d+|localhost):\d+"), r"\1:<port>"),
]


def normal(lines):
    out = []
    for x in lines:
        x = x.rstrip()
        for r, rep in TIME_RES:
            x = r.sub(rep, x)
        out.append(x)
    while out and out[-1] == "":
        out.pop()
    return out


def diff(a, b):
    import difflib
    return "\n".join("    " + x for x in difflib.unified_diff(
        a, b, "document", "actual", lineterm="", n=2))


def documents(args):
    if args:
        return [os.path.abspath(a) for a in args]
    try:
        names = subprocess.run(
            ["git", "ls-files", "--", "*.md", "man/*"], cwd=ROOT,
            capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, _, fs in os.walk(ROOT):
            if "/." in d or d.startswith(os.path.join(ROOT, "build")):
                continue
            names += [os.path.relpath(os.path.join(d, f), ROOT) for f in fs
                      if f.endswith(".md")]
        man = os.path.join(ROOT, "man")
        if os.path.isdir(man):
            names += ["man/" + f for f in os.listdir(man)]
    keep = []
    for n in sorted(set(names)):
        if n.endswith(".md") or re.search(r"^man/.*\.[1-9]$", n):
            keep.append(os.path.join(ROOT, n))
    return keep


def main(argv):
    update = False
    verbose = False
    jobs = 2
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--update":
            update = True
        elif a == "-v":
            verbose = True
        elif a == "-j" and i + 1 < len(argv):
            i += 1
            jobs = max(1, int(argv[i]))
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        elif a.startswith("-"):
            print("check-examples: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            files.append(a)
        i += 1
    zx = os.path.abspath(os.environ.get("ZX") or
                         os.path.join(ROOT, "build", "zoodex"))
    if not os.access(zx, os.X_OK):
        print("check-examples: %s is not an executable (set ZX or run make)"
              % zx, file=sys.stderr)
        print("check-examples: 0 passed, 1 failed")
        return 1
    docs = [d for d in (Doc(p) for p in documents(files)) if d.commands()]

    # run the documents, `jobs` at a time
    pending = list(docs)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                d = pending.pop(0)
            d.run(zx)

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    passed = failed = 0
    for d in docs:
        if d.error:
            failed += 1
            print("FAIL: %s: %s" % (d.rel, d.error), file=sys.stderr)
        changed = []
        for s in d.steps:
            if s.actual is None:
                failed += 1
                print("FAIL: %s:%d: did not run (an earlier step ended the "
                      "shell?): %s" % (d.rel, s.line, s.text.split("\n")[0]),
                      file=sys.stderr)
                continue
            if s.kind == "setup":
                if s.rc != 0:
                    failed += 1
                    print("FAIL: %s:%d: example-setup exits %d:\n%s" %
                          (d.rel, s.line, s.rc,
                           "\n".join("    " + x for x in s.actual)),
                          file=sys.stderr)
                continue
            if normal(s.expected) == normal(s.actual):
                passed += 1
                continue
            if update:
                changed.append(s)
                passed += 1
                continue
            failed += 1
            print("FAIL: %s:%d: $ %s\n%s" % (
                d.rel, s.line, s.text.replace("\n", "\n  "),
                diff(normal(s.expected), normal(s.actual))), file=sys.stderr)
        if verbose:
            for s in d.commands():
                print("%s:%d: $ %s (exit %s)" % (d.rel, s.line, s.text, s.rc))
        if update and changed:
            lines = list(d.lines)
            for s in sorted(changed, key=lambda s: -s.out_start):
                new = [roff_escape(x) if d.roff else x for x in s.actual]
                # keep hidden set-up lines that sat among the old output
                kept = [x for x in lines[s.out_start:s.out_end]
                        if d.roff and SETUP_ROFF.match(x)]
                lines[s.out_start:s.out_end] = new + kept
            with open(d.path + ".tmp", "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            os.replace(d.path + ".tmp", d.path)
            print("check-examples: %s: rewrote %d output%s" %
                  (d.rel, len(changed), "" if len(changed) == 1 else "s"))
    print("check-examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
