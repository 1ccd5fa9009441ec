// Forbidden: an installed header including an internal one.
#pragma once

#include <ember/data/internal/vector_text.h>
