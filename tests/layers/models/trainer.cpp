// Forbidden: a cuda/ header other than a launch header; allowed: a launch header.
#include <ember/cuda/embedding.h>
#include <ember/cuda/word2vec.h>
