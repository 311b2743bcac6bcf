#!/usr/bin/env bash
# --conv auto|im2col|direct on train, verify and figures (bench has it too): a bad value
# gives one line and exit 2 before anything is written; train records the path in its
# provenance and the two forced paths give different bits (the option reaches the
# engine); a sweep run with a forced path gets its own key (conv=<path>/...) and
# provenance, so it neither reuses nor overwrites the rule's records, and resumes itself.
# usage: conv_path.sh OVERPARAM_BIN
set -u
BIN=${1:?usage: conv_path.sh OVERPARAM_BIN}
T=$(mktemp -d /tmp/op_conv_path.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

expect2() { # expect2 DESCRIPTION ARGS...: exit 2, one stderr line naming the value, nothing written
    local what=$1; shift
    rm -rf "$T/none"
    "$BIN" "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$? lines
    lines=$(wc -l <"$T/stderr")
    if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || [ -s "$T/stdout" ] || [ -e "$T/none" ] ||
        ! grep -q "allowed: auto, im2col, direct" "$T/stderr"; then
        bad "$what: exit $rc, $lines stderr lines, stdout $(wc -c <"$T/stdout") bytes, out $([ -e "$T/none" ] && echo written || echo absent): $(cat "$T/stderr")"
    else
        ok "$what: exit 2: $(cat "$T/stderr")"
    fi
}
M=(--manifold sphere:d=2 --ambient 16 --n 64 --epochs 2)
expect2 "train --conv fast" train "${M[@]}" --conv fast --out "$T/none"
expect2 "verify --conv IM2COL" verify selftest-rate --conv IM2COL --out "$T/none"
expect2 "figures --conv tiled" figures selftest-rate --conv tiled --out "$T/none"
expect2 "bench --conv fast" bench --workload W1 --conv fast
"$BIN" train "${M[@]}" --model mlp --conv direct --out "$T/none" >/dev/null 2>"$T/stderr"
[ $? -eq 2 ] && grep -q "conv applies to ConvResNets" "$T/stderr" && [ ! -e "$T/none" ] &&
    ok "train --model mlp --conv: refused like the other ConvResNet flags" || bad "mlp --conv: $(cat "$T/stderr")"

# train: both forced paths run and are recorded; default records auto
for c in auto im2col direct; do
    flag=(--conv "$c"); [ $c = auto ] && flag=()
    if "$BIN" train "${M[@]}" "${flag[@]}" --out "$T/train-$c" >"$T/stdout" 2>"$T/stderr" &&
        grep -q "\"provenance\": {.*\"conv\": \"$c\"" "$T/train-$c/record.json"; then
        ok "train ${flag[*]:-(no --conv)}: runs, provenance says \"conv\": \"$c\""
    else
        bad "train --conv $c: $(cat "$T/stdout" "$T/stderr") $(grep -o '"provenance".*' "$T/train-$c/record.json" 2>/dev/null)"
    fi
done
cmp -s "$T/train-im2col/model.bin" "$T/train-direct/model.bin" &&
    bad "im2col and direct trained bit-identical models: --conv did not reach the engine" ||
    ok "im2col and direct give different bits (so records must not be mixed)"

# verify: the rule's records, then a forced path into the same --out
V=(verify selftest-rate --no-controls --no-figures --threads 2 --out "$T/v")
R="$T/v/selftest-rate/runs"
line_auto=$("$BIN" "${V[@]}" 2>"$T/stderr") || bad "verify (auto): $(cat "$T/stderr")"
mkdir "$T/snap" && cp "$R"/*.json "$T/snap/"
n_auto=$(ls "$T/snap" | wc -l)
line_direct=$("$BIN" "${V[@]}" --conv direct 2>"$T/stderr") || bad "verify --conv direct: $(cat "$T/stderr")"
n_direct=$(ls "$R" | grep -c '^conv=direct_')
[ "$n_auto" -gt 0 ] && [ "$n_direct" = "$n_auto" ] && [ "$(ls "$R" | wc -l)" = $((2 * n_auto)) ] &&
    ok "--conv direct did its own $n_direct runs next to the rule's $n_auto (none reused)" ||
    bad "records: $n_auto auto, $n_direct conv=direct, $(ls "$R" | wc -l) in all"
same=0
for f in "$T/snap"/*.json; do cmp -s "$f" "$R/$(basename "$f")" && same=$((same + 1)); done
[ "$same" = "$n_auto" ] && ok "the rule's records are untouched" || bad "$((n_auto - same)) of the rule's records changed"
grep -L '"key": "conv=direct/' "$R"/conv=direct_*.json | grep -q . && bad "a conv=direct_ record has another key" ||
    ok "forced-path records carry the conv=direct/ key"
[ "$(grep -l '"conv": "direct"' "$R"/conv=direct_*.json | wc -l)" = "$n_direct" ] &&
    [ "$(grep -l '"conv": "auto"' "$R"/*.json | wc -l)" = "$n_auto" ] &&
    ok "provenance: conv direct / auto as run" || bad "provenance conv fields"
# selftest-rate has no convolutions and the tagged runs keep their seeds: same verdict
[ -n "$line_auto" ] && [ "$line_auto" = "$line_direct" ] && ok "same seeds, same verdict: $line_direct" ||
    bad "verdicts differ: '$line_auto' vs '$line_direct'"
# resume: the forced path reuses its own records
cp "$R"/conv=direct_*.json "$T/snap/"
"$BIN" "${V[@]}" --conv direct >/dev/null 2>&1
same=0
for f in "$T/snap"/conv=direct_*.json; do cmp -s "$f" "$R/$(basename "$f")" && same=$((same + 1)); done
[ "$same" = "$n_direct" ] && [ "$(ls "$R" | wc -l)" = $((2 * n_auto)) ] &&
    ok "rerun with --conv direct skips its $n_direct finished runs" || bad "rerun redid $((n_direct - same)) runs"

for c in train verify figures; do
    "$BIN" $c --help | grep -q -- "--conv" && ok "$c --help lists --conv" || bad "$c --help lacks --conv"
done
[ $fail -eq 0 ] && echo "conv_path: all ok"
exit $fail
