// Forbidden: an internal/ header of another layer.
#include <ember/models/internal/hogwild.h>
