// ember: a tensor and reverse-mode autograd engine for embeddings. This one header brings
// in the public API.
#pragma once

#include <ember/autograd/grad_mode.h>
#include <ember/autograd/gradcheck.h>
#include <ember/config.h>
#include <ember/dist/communicator.h>
#include <ember/nn/functional.h>
#include <ember/nn/nn.h>
#include <ember/optim/optim.h>
#include <ember/tensor/cpu.h>
#include <ember/tensor/device.h>
#include <ember/tensor/dtype.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/parallel.h>
#include <ember/tensor/tensor.h>
