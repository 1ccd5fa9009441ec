// Forbidden: tensor/ reaching down into autograd/.
#include <ember/autograd/node.h>
