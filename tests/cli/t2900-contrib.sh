#!/bin/sh
# t2900 - contrib/: the crontab line and the systemd units for the nightly
# crawl.  The crontab line has five valid time fields, its command parses as
# sh after cron's % handling, its zoodex invocation parses, and run as cron
# would (fake zoodex and logger) it logs at the right priority and treats 7
# as success; against the mock Hub it really crawls.  The units pass
# `systemd-analyze verify` (when it is installed) and a small parser that
# wants the sections and keys they are for.
. "${0%/*}/lib.sh"
CRON=contrib/zoodex-crawl.cron
SVC=contrib/zoodex-crawl.service
TMR=contrib/zoodex-crawl.timer
case $ZX in /*) ;; *) ZX=$(pwd)/$ZX ;; esac
for f in "$CRON" "$SVC" "$TMR" contrib/README.md; do
    check test -s "$f"
done

# ===== The crontab line =====

# Job lines: neither a comment, nor blank, nor NAME=value.
grep -Ev '^[[:space:]]*(#|$)' "$CRON" |
    grep -Ev '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=' >"$T/jobs"
check test "$(wc -l <"$T/jobs")" -eq 1
job=$(sed -n 1p "$T/jobs")
# Vixie cron (Debian's) reads at most 1000 characters of a command.
check test "${#job}" -lt 1000
# Five time fields, each a list of *, n, a-b, with an optional /step, in
# range (month and weekday names too), then a command.
printf '%s\n' "$job" | awk '
function item_ok(s, lo, hi, names,    p, r, a, n, i) {
    n = split(s, p, "/")
    if (n > 2 || (n == 2 && p[2] !~ /^[0-9]+$/)) return 0
    if (n == 2 && (p[2] + 0 < 1 || p[2] + 0 > hi)) return 0
    if (p[1] == "*") return 1
    if (split(p[1], r, "-") > 2) return 0
    for (i = 1; i in r; i++) {
        a = tolower(r[i])
        if (names != "" && index(names, " " a " ")) continue
        if (a !~ /^[0-9]+$/ || a + 0 < lo || a + 0 > hi) return 0
    }
    return (2 in r) ? 1 : (n == 1)
}
function field_ok(f, lo, hi, names,    l, i) {
    split(f, l, ",")
    for (i = 1; i in l; i++) if (!item_ok(l[i], lo, hi, names)) return 0
    return 1
}
{
    ok = NF >= 6 &&
        field_ok($1, 0, 59, "") && field_ok($2, 0, 23, "") &&
        field_ok($3, 1, 31, "") &&
        field_ok($4, 1, 12, " jan feb mar apr may jun jul aug sep oct nov dec ") &&
        field_ok($5, 0, 7, " sun mon tue wed thu fri sat ")
    exit !ok
}'
check test $? -eq 0
# README.md shows the same line.
if grep -qxF -- "$job" README.md; then _pass; else _fail "README.md lacks the line of $CRON"; fi
# The command is everything after the fifth field.  Cron turns an unescaped
# % into a newline (and what follows into stdin); \% is a literal %.
cmd=$(printf '%s\n' "$job" | sed 's/^[[:space:]]*\([^[:space:]]*[[:space:]]*\)\{5\}//')
check test -n "$cmd"
case $(printf '%s' "$cmd" | sed 's/\\%//g') in
*%*) _fail "$CRON: an unescaped % in the command" ;;
*) _pass ;;
esac
cmd=$(printf '%s' "$cmd" | sed 's/\\%/%/g')
printf '%s\n' "$cmd" >"$T/cron.sh"
ok sh -n "$T/cron.sh"
# The zoodex invocation: the words after "zoodex" up to a redirection or
# an operator.  Its options parse (--help), and, offline, it gets as far
# as the Hub (status 6, not 2).
args=$(printf '%s\n' "$cmd" | awk '{
    for (i = 1; i <= NF; i++) {
        if (on && ($i ~ /[;|&()<>]/ || $i ~ /^[0-9]*[<>]/)) exit
        if (on) printf "%s ", $i
        if ($i == "zoodex" || $i ~ /\/zoodex$/) on = 1
    }
}')
check test -n "$args"
# shellcheck disable=SC2086
ok "$ZX" $args --help
grep_ok '^usage: zoodex \[--db dir\] crawl' "$T/out"
# shellcheck disable=SC2086
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/offline" $args

# Run the command as cron would, with a fake zoodex (exits $FAKE_RC) and a
# fake logger (appends its arguments and input to $LOGF).
mkdir -p "$T/bin" "$T/home/.cache/huggingface"
cat >"$T/bin/zoodex" <<'EOF'
#!/bin/sh
echo "fake zoodex $*"
echo "fake error line" >&2
[ -n "${HF_TOKEN:-}" ] && echo "token: ${#HF_TOKEN} characters"
exit "${FAKE_RC:-0}"
EOF
cat >"$T/bin/logger" <<'EOF'
#!/bin/sh
{ echo "logger $*"; cat; } >>"$LOGF"
EOF
chmod +x "$T/bin/zoodex" "$T/bin/logger"
cronpath=$(sed -n 's/^[[:space:]]*PATH[[:space:]]*=[[:space:]]*//p' "$CRON")
cronpath=${cronpath:-/usr/bin:/bin}
# as_cron RC: run the job with cron's environment; status in $rc.
as_cron() {
    : >"$T/log"
    env -i HOME="$T/home" LOGNAME=nobody SHELL=/bin/sh \
        PATH="$T/bin:$cronpath" LOGF="$T/log" FAKE_RC="$1" \
        ${ZDB:+ZOODEX_DB="$ZDB"} ${HF_ENDPOINT:+HF_ENDPOINT="$HF_ENDPOINT"} \
        HF_HUB_CACHE="$T/no-hf-cache" \
        /bin/sh -c "$cmd" >"$T/out" 2>"$T/err"
    rc=$?
}
for want in 0:info:0 7:info:0 3:warning:1 4:warning:1 6:warning:1 \
    130:warning:1 1:err:1 2:err:1; do
    zrc=${want%%:*} pri=${want#*:} pri=${pri%:*} st=${want##*:}
    as_cron "$zrc"
    if [ "$st" -eq 0 ]; then check test "$rc" -eq 0; else check test "$rc" -ne 0; fi
    check test ! -s "$T/out"        # cron would mail any output
    check test ! -s "$T/err"
    grep_ok "^logger .*-p user\.$pri( |\$)" "$T/log"
    grep_ok '-t zoodex-crawl' "$T/log"
    grep_ok "^fake zoodex crawl\$" "$T/log"
    grep_ok '^fake error line$' "$T/log"
    grep_ok "^exit status $zrc\$" "$T/log"
done
grep_not '^token:' "$T/log"
# A token saved by `hf auth login` is passed on, and never logged.
printf 'hf_cronsecret\n' >"$T/home/.cache/huggingface/token"
as_cron 0
grep_ok '^token: 13 characters$' "$T/log"
grep_not 'cronsecret' "$T/log"
rm -f "$T/home/.cache/huggingface/token"

# The real zoodex through the job, against the mock Hub: the first night
# indexes, the second finds nothing to do (0 without --exit-code), and
# both count as success.
if command -v python3 >/dev/null 2>&1 && command -v start_mock >/dev/null 2>&1; then
    start_mock --repos "$ZOO"
    ln -sf "$ZX" "$T/bin/zoodex"
    ZDB=$T/crondb
    as_cron 0
    check test "$rc" -eq 0
    grep_ok '^crawl: 17 seen, 17 new' "$T/log"
    grep_ok '^logger .*-p user\.info' "$T/log"
    as_cron 0
    check test "$rc" -eq 0
    grep_ok '^crawl: [0-9]+ seen, 0 new, 0 updated' "$T/log"
    grep_ok '^exit status 0$' "$T/log"
    grep_ok '^logger .*-p user\.info' "$T/log"
    stop_mock
    ZDB=
else
    echo "t2900: no python3 or start_mock: the job is not run against the mock Hub" >&2
fi

# ===== The systemd units =====

# ini_keys FILE: "Section.Key=value" for every setting; fails on a line
# that is neither a comment, blank, a [Section] nor Key=value.
ini_keys() {
    awk '
        /^[ \t]*([#;]|$)/ { next }
        /^\[[A-Za-z]+\][ \t]*$/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
        sec != "" && /^[A-Za-z][A-Za-z0-9]*=/ {
            k = substr($0, 1, index($0, "=") - 1)
            print sec "." k "=" substr($0, index($0, "=") + 1)
            next
        }
        { print "bad line " NR ": " $0 > "/dev/stderr"; bad = 1 }
        END { exit bad }' "$1"
}
ok ini_keys "$SVC"
cp "$T/out" "$T/svc"
ok ini_keys "$TMR"
cp "$T/out" "$T/tmr"
for k in 'Unit\.Description=.' 'Unit\.Documentation=.*man:zoodex-crawl\(1\)' \
    'Unit\.After=.*network-online\.target' 'Unit\.Wants=.*network-online\.target' \
    'Service\.Type=oneshot' 'Service\.ExecStart=/[^ ]*/zoodex crawl' \
    'Service\.SuccessExitStatus=(.* )?7( |$)' \
    'Service\.Environment=.*ZOODEX_DB=/' 'Service\.EnvironmentFile=-?/' \
    'Service\.(User=[a-z]|DynamicUser=yes)' 'Service\.StateDirectory=zoodex' \
    'Service\.NoNewPrivileges=yes' 'Service\.ProtectSystem=strict' \
    'Service\.ProtectHome=(yes|read-only|tmpfs)' 'Service\.PrivateTmp=yes' \
    'Service\.PrivateDevices=yes' 'Service\.CapabilityBoundingSet=$' \
    'Service\.RestrictAddressFamilies=.*AF_INET6' 'Service\.SystemCallFilter=@system-service' \
    'Service\.MemoryDenyWriteExecute=yes' 'Service\.RestrictNamespaces=yes'; do
    grep_ok "^$k" "$T/svc"
done
# The timer starts the service by name; the service has no [Install].
grep_not '^Install\.' "$T/svc"
grep_not '^Timer\.Unit=' "$T/tmr"
for k in 'Timer\.OnCalendar=.' 'Timer\.Persistent=true' \
    'Timer\.RandomizedDelaySec=[1-9]' 'Install\.WantedBy=timers\.target' \
    'Unit\.Description=.'; do
    grep_ok "^$k" "$T/tmr"
done
# Keys that only make sense once appear once.
for f in "$T/svc" "$T/tmr"; do
    dups=$(grep -Ev '^Service\.(Environment|EnvironmentFile|SystemCallFilter|ExecStart[A-Za-z]*)=' "$f" |
        sed 's/=.*//' | sort | uniq -d)
    check test -z "$dups"
done
# The ExecStart command line parses (--help), and offline gets to the Hub.
exec_args=$(sed -n 's/^Service\.ExecStart=[^ ]*zoodex //p' "$T/svc")
# shellcheck disable=SC2086
ok "$ZX" $exec_args --help
# shellcheck disable=SC2086
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/offline" $exec_args

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "t2900: systemd-analyze is missing: only the small unit parser checked the units" >&2
else
    # verify wants ExecStart to exist: point it at this build.  The units
    # keep their names, so that the timer finds its service.
    mkdir -p "$T/units" "$T/man/man1" "$T/man/man5"
    sed "s#^ExecStart=[^ ]*zoodex #ExecStart=$ZX #" "$SVC" >"$T/units/zoodex-crawl.service"
    cp "$TMR" "$T/units/zoodex-crawl.timer"
    # Documentation= links must resolve to these man pages, when man runs.
    if command -v man >/dev/null 2>&1; then
        cp man/*.1 "$T/man/man1/" && cp man/*.5 "$T/man/man5/"
        man_opt=--man=yes
    else
        man_opt=--man=no
    fi
    (cd "$T/units" && MANPATH="$T/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
        "$man_opt" ./zoodex-crawl.service ./zoodex-crawl.timer) >"$T/sa.out" 2>&1
    sa=$?
    # It exits 0 on warnings too (an unknown key, a bad value): anything
    # it says about these units is a failure; other units are not ours.
    if grep -q 'zoodex-crawl' "$T/sa.out" || [ $sa -ne 0 ]; then
        if grep -Eqi 'not been booted|failed to (connect|initialize|setup)|permission denied' "$T/sa.out" &&
            ! grep -q 'zoodex-crawl\.[a-z]*:' "$T/sa.out"; then
            echo "t2900: systemd-analyze verify does not work here, skipped:" >&2
            sed 's/^/  /' "$T/sa.out" >&2
        else
            _fail "systemd-analyze verify (exit $sa):"
            sed 's/^/  /' "$T/sa.out" >&2
        fi
    else
        _pass
    fi
fi
done_testing
