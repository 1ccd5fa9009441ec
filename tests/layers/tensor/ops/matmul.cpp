// Allowed: tensor/ops and its CUDA twin.
#include <ember/cuda/internal/matmul.h>
#include <ember/tensor/tensor.h>
