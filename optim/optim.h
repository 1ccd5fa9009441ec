// The optimizers, learning-rate schedules and gradient clipping (namespace ember::optim).
#pragma once

#include <ember/optim/adagrad.h>
#include <ember/optim/adam.h>
#include <ember/optim/clip_grad.h>
#include <ember/optim/freeze_rows.h>
#include <ember/optim/lr_scheduler.h>
#include <ember/optim/optimizer.h>
#include <ember/optim/sgd.h>
#include <ember/optim/sparse_adam.h>
