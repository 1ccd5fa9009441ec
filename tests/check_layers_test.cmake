# Runs cmake/check_layers.cmake on the fixture tree tests/layers/, which holds one include of
# each forbidden kind and some allowed ones: the check must fail and name exactly the bad ones.
#   cmake -DCHECK=cmake/check_layers.cmake -DFIXTURE=tests/layers -P tests/check_layers_test.cmake
execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${FIXTURE} -P ${CHECK}
  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "check_layers passed a tree with forbidden includes:\n${output}")
endif()
string(REGEX REPLACE "\n *" " " output "${output}")  # CMake wraps long messages
set(expected
  "tensor/print.cpp:2: tensor/ may not include <ember/autograd/node.h>"
  "nn/linear.cpp:2: nn/ may not include <ember/cuda/matmul.h>"
  "models/trainer.cpp:2: models/ may not include <ember/cuda/embedding.h>"
  "eval/plot.cpp:2: eval/ may not include <ember/models/internal/hogwild.h>"
  "data/vectors.h:4: data/ may not include <ember/data/internal/vector_text.h>")
foreach(edge IN LISTS expected)
  string(FIND "${output}" "${edge}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "check_layers did not report \"${edge}\"; it said:\n${output}")
  endif()
endforeach()
foreach(allowed "cuda/internal/matmul.h" "cuda/word2vec.h")
  string(FIND "${output}" "${allowed}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "check_layers reported the allowed <ember/${allowed}>:\n${output}")
  endif()
endforeach()
