#!/usr/bin/env bash
# Runs the whole KaMeng suite: domain, data (SQLite and a real PostgreSQL), web and browser tests.
# Installs what the tests need when it is missing (as root, via apt-get); without root it says what to install.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

need_pkgs=()
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }
[ -x /usr/bin/chromium ] || have_pkg chromium || need_pkgs+=(chromium)
have_pkg fonts-noto-cjk || need_pkgs+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_pkgs+=(postgresql)
have_pkg python3-aiosmtpd || need_pkgs+=(python3-aiosmtpd)
# The cluster test (KaMeng.Tests/Cluster/NginxClusterTests) puts Debian's nginx in front of two nodes.
[ -x /usr/sbin/nginx ] || have_pkg nginx || need_pkgs+=(nginx)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "test.sh: missing ${need_pkgs[*]}; install them with: sudo apt-get install ${need_pkgs[*]}" >&2
    exit 1
  fi
fi

# A throwaway PostgreSQL on a loopback port, in a temporary folder, as an unprivileged user (postgres refuses root).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGTMP=$(mktemp -d /tmp/kameng-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGTMP"
  as_pg() { su postgres -s /bin/bash -c "$*"; }
else
  as_pg() { bash -c "$*"; }
fi
as_pg "'$PGBIN/initdb' -D '$PGTMP/data' -U kameng -A trust -E UTF8 --locale=C >'$PGTMP/initdb.log' 2>&1"
as_pg "'$PGBIN/pg_ctl' -D '$PGTMP/data' -l '$PGTMP/server.log' -w -o \"-p $PGPORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start >/dev/null"
cleanup() {
  as_pg "'$PGBIN/pg_ctl' -D '$PGTMP/data' -m immediate stop >/dev/null 2>&1" || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT
export KAMENG_TEST_PG="Host=127.0.0.1;Port=$PGPORT;Username=kameng;Database=postgres;Pooling=true"
echo "test.sh: PostgreSQL $(basename "$(dirname "$PGBIN")") on 127.0.0.1:$PGPORT"

mkdir -p "$ROOT/TestResults"
dotnet build KaMeng.sln -c Release -nologo -v q
set +e
# A hung test is killed after 8 minutes and named (the blame collector), so CI never waits out its whole budget.
dotnet test KaMeng.Tests/KaMeng.Tests.csproj -c Release --no-build -nologo \
  --blame-hang-timeout 8m --blame-hang-dump-type none \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$ROOT/TestResults" 2>&1 | tee "$ROOT/TestResults/test-output.txt"
status=${PIPESTATUS[0]}
set -e

# One closing line any CI can read.
python3 - "$ROOT/TestResults/results.trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
    def seconds(d):
        h, m, sec = (d or '0:0:0').split(':')
        return int(h) * 3600 + int(m) * 60 + float(sec)
    results = root.findall('.//{*}UnitTestResult')
    print("The 20 slowest tests:")
    for r in sorted(results, key=lambda r: -seconds(r.get('duration')))[:20]:
        print(f"  {seconds(r.get('duration')):7.1f} s  {r.get('testName')}")
    # Failed tests are named again here, at the very end, so a CI that keeps only the tail still shows them.
    for r in results:
        if r.get('outcome') == 'Failed':
            message = r.find('.//{*}ErrorInfo/{*}Message')
            text = ' '.join((message.text or '').split())[:600] if message is not None else ''
            print(f"FAILED {r.get('testName')} [{r.get('duration')}]: {text}")
    c = root.find('.//{*}Counters')
    summary = root.find('.//{*}ResultSummary')
    if summary is not None and summary.get('outcome') != 'Completed' and c.get('failed') == '0':
        # An aborted run (a crash, or the blame collector killing a hung test) names the test it was running above.
        print("TEST RUN ABORTED: see 'The test running when the crash occurred' above")
    print(f"{c.get('passed')} passed, {c.get('failed')} failed, {int(c.get('total')) - int(c.get('executed'))} skipped")
except Exception as e:
    print(f"test.sh: could not read results: {e}")
PY
exit "$status"
