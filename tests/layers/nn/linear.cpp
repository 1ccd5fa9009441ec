// Forbidden: only tensor/ includes cuda/.
#include <ember/cuda/matmul.h>
