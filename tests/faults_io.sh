#!/bin/bash
# I/O faults: an unwritable --out (a path under a regular file; a read-only file
# system) and a disk that fills up mid-sweep each give exactly one stderr line
# "overparam: ..." naming the path and the system error, exit 3, no verdict and no
# partial record; after space is freed the restart finishes with the verdict of an
# undisturbed run. The read-only and full-disk cases mount small tmpfs file systems
# (root with mount rights); without them the full disk is simulated with a file-size
# limit (ulimit -f with SIGXFSZ ignored: write() fails with EFBIG), and the read-only
# case uses chmod when not root, else is skipped with a message.
# usage: faults_io.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/faults_io.XXXXXX)
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
skip() { echo "skip $*"; }

# expect_io NAME TEXT CMD...: exit 3, one stderr line containing TEXT, empty stdout
expect_io() {
  local name=$1 text=$2; shift 2
  "$@" >"$tmp/o" 2>"$tmp/e"; local rc=$?
  if [ "$rc" = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q "^overparam: .*$text" "$tmp/e" && [ ! -s "$tmp/o" ]; then
    ok "$name: exit 3, one line: $(cat "$tmp/e")"
  else
    bad "$name: exit $rc, stdout $(wc -c <"$tmp/o") bytes, stderr:"; sed 's/^/       /' "$tmp/e" | head -5
  fi
}

# records under $1 all parse, and no temp file is left behind
records_sound() {
  python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
if os.path.isdir(d):
    for f in os.listdir(d):
        assert '.tmp.' not in f, 'temp file left: ' + f
        json.load(open(os.path.join(d, f)))
PY
}

touch "$tmp/afile"
expect_io "--out under a regular file" "'$tmp/afile' exists and is not a directory" \
  "$bin" verify selftest-slow --no-figures --out "$tmp/afile/out"
expect_io "--out under /proc" "/proc/overparam-out" "$bin" verify selftest-slow --no-figures --out /proc/overparam-out

can_mount=0
mkdir -p "$tmp/probe" && mount -t tmpfs -o size=64k tmpfs "$tmp/probe" 2>/dev/null && { can_mount=1; umount "$tmp/probe"; }

# read-only output directory
mkdir -p "$tmp/ro"
if [ $can_mount = 1 ]; then
  mount -t tmpfs -o ro,size=64k tmpfs "$tmp/ro" && mounts+=("$tmp/ro")
  expect_io "read-only file system" "Read-only file system" "$bin" verify selftest-slow --no-figures --out "$tmp/ro/out"
  expect_io "read-only --out itself" "'$tmp/ro' is not writable" "$bin" verify selftest-slow --no-figures --out "$tmp/ro"
elif [ "$(id -u)" != 0 ]; then
  chmod 555 "$tmp/ro"
  expect_io "read-only directory" "Permission denied" "$bin" verify selftest-slow --no-figures --out "$tmp/ro/out"
else
  skip "read-only --out: root without mount rights (chmod does not bind root)"
fi

# full disk mid-sweep: 64 records of about 1 kB each (one 4 kB page each on tmpfs)
ref=$("$bin" verify selftest-slow --no-figures --out "$tmp/ref" 2>/dev/null)
mkdir -p "$tmp/full"
if [ $can_mount = 1 ]; then
  mount -t tmpfs -o size=96k tmpfs "$tmp/full" && mounts+=("$tmp/full")
  expect_io "disk full mid-sweep" "No space left on device" "$bin" verify selftest-slow --no-figures --out "$tmp/full/out"
  n=$(ls "$tmp/full/out/selftest-slow/runs" 2>/dev/null | wc -l)
  if [ "$n" -gt 0 ] && [ "$n" -lt 64 ]; then ok "the disk filled after $n of 64 records"; else bad "$n records: the disk did not fill mid-sweep"; fi
  records_sound "$tmp/full/out/selftest-slow/runs" && ok "every record on the full disk is complete; no temp files" \
    || bad "a partial record or temp file on the full disk"
  mount -o remount,size=4m "$tmp/full"
  line=$("$bin" verify selftest-slow --no-figures --out "$tmp/full/out" 2>"$tmp/e"); rc=$?
  [ "$rc" = 0 ] && [ "$line" = "$ref" ] && ok "after freeing space the restart finishes with the same verdict" \
    || bad "restart after freeing space: exit $rc, '$line' vs '$ref'"
else
  # no mount: every write beyond 0 bytes fails (EFBIG) -- the start-up probe catches it
  # (stderr goes through a pipe: the limit applies to regular files the process writes)
  ( trap '' XFSZ; ulimit -f 0; exec "$bin" verify selftest-slow --no-figures --out "$tmp/full/out" ) 2>&1 >/dev/null \
    | cat >"$tmp/e"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q "File too large" "$tmp/e"; then
    ok "file-size limit 0 (no tmpfs): exit 3, one line: $(cat "$tmp/e")"
  else
    bad "file-size limit: exit $rc: $(cat "$tmp/e")"
  fi
fi

[ $fails = 0 ] && echo "faults_io: all passed" || echo "faults_io: $fails failed"
[ $fails = 0 ]
