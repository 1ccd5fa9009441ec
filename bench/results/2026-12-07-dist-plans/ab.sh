export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { local P=$1 bin=$2 model=$3; local launch=""; local th=2; if [ $P = 2 ]; then launch="mpirun -np 2 --oversubscribe"; th=1; fi
  r=$($launch $bin train $model --input /tmp/en7m.txt --output /tmp/pp_$model --dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --quiet --threads $th --seed 1 2>&1 | grep -E "^trained" | sed -E 's/.* = ([0-9]+) words.*/\1/')
  echo "$model P=$P $(basename $bin) $r"; }
for model in ${MODELS:-cbow skipgram fasttext}; do for i in $(seq ${REPS:-2}); do
  run 2 /tmp/ember_plan $model; run 2 /tmp/ember_base $model; run 1 /tmp/ember_base $model; done; done
