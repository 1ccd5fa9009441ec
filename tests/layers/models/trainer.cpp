// Allowed: a launch header; forbidden: any other cuda/ header.
#include <ember/cuda/word2vec.h>
#include <ember/cuda/embedding.h>
