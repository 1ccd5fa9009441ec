// The nn layer in one include: Module, the layers, init, serialization and the functional
// ops (embedding, linear, dropout, layer_norm, losses, distances).
#pragma once

#include <ember/nn/embedding.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/distance.h>
#include <ember/nn/functional/dropout.h>
#include <ember/nn/functional/embedding.h>
#include <ember/nn/functional/layer_norm.h>
#include <ember/nn/functional/linear.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/init.h>
#include <ember/nn/layers.h>
#include <ember/nn/loss.h>
#include <ember/nn/lstm.h>
#include <ember/nn/module.h>
#include <ember/nn/rnn_utils.h>
#include <ember/nn/serialize.h>
