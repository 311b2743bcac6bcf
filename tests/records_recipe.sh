#!/bin/bash
# The pandas recipe of docs/outputs.md (block after "<!-- recipe: all-records") loads every record
# under an --out into one DataFrame: one row per run record of verify (check runs and
# control runs) plus train's record.json, nothing else (model export's hparams.json is
# skipped); seeds come back as exact integers. Skipped (77) without pandas.
# usage: records_recipe.sh BIN DOC     (DOC: docs/outputs.md, the page holding the recipe)
set -u
bin=$1 readme=$2
PY=""
for py in python3 /usr/bin/python3; do # a pyenv python3 may shadow Debian's, which has python3-pandas
  if "$py" -c 'import pandas' 2>/dev/null; then PY=$py; break; fi
done
[ -n "$PY" ] || { echo "skip: pandas not installed (Debian: python3-pandas)"; exit 77; }
tmp=$(mktemp -d /tmp/records_recipe.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

awk '/<!-- recipe: all-records/ {f = 1; next} f && /^```python/ {p = 1; next} p && /^```/ {exit} p' "$readme" >"$tmp/recipe.py"
[ -s "$tmp/recipe.py" ] && ok "recipe extracted ($(wc -l <"$tmp/recipe.py") lines)" || { bad "no recipe block in $readme"; exit 1; }

"$bin" verify selftest-rate --no-figures --seed 18446744073709551615 --out "$tmp/results" >/dev/null 2>&1 || bad "verify"
"$bin" sample --manifold sphere:d=2 --ambient 4 --n 100 --out "$tmp/s.csv"
"$bin" train --data "$tmp/s.csv" --model mlp --width 8 --epochs 1 --out "$tmp/results/train1" >/dev/null || bad "train"
"$bin" model export --model "$tmp/results/train1/model.bin" --out "$tmp/results/export1" >/dev/null || bad "export"
nrec=$(find "$tmp/results" -path '*/runs/*.json' | wc -l)

cat >>"$tmp/recipe.py" <<PY
assert len(df) == $nrec + 1, (len(df), $nrec)
assert (df["check"] == "train").sum() == 1
assert not df["path"].str.contains("hparams").any()
runs = df[df["check"] == "selftest-rate"]
assert set(runs["control"]) == {"", "rough"}, set(runs["control"])
assert (runs["identity.base_seed"] == 2**64 - 1).all()
for _, r in runs.iterrows():  # every seed exact, also above 2^53
    assert int(r["seed"]) == int(json.load(open(os.path.join("results", r["path"])))["seed"]), r["path"]
assert runs["metrics.err"].notna().all() and runs["params.n"].notna().all()
tr = df[df["check"] == "train"].iloc[0]
assert tr["data.target_col"] == "y" and list(tr["data.input_cols"]) == ["x0", "x1", "x2", "x3"]
print("recipe: %d rows, %d columns" % df.shape)
PY
(cd "$tmp" && "$PY" recipe.py) >"$tmp/o" 2>&1 && ok "recipe on verify + train records: $(tail -1 "$tmp/o")" \
  || bad "recipe: $(cat "$tmp/o")"
[ $fail = 0 ] && echo "records_recipe: all ok"
exit $fail
