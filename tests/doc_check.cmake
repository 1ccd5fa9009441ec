# The inputs of the docs checks (check_tutorial.cmake, check_tour.cmake), run as cmake -P:
# ROOT, the repository (default: the parent of tests/), and the document in DOC_VAR (default
# ROOT/DEFAULT), which must exist; CHECK names the check in the error.
macro(doc_check_inputs check doc_var default)
  if(NOT ROOT)
    get_filename_component(ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  endif()
  if(NOT ${doc_var})
    set(${doc_var} "${ROOT}/${default}")
  endif()
  if(NOT EXISTS "${${doc_var}}")
    message(FATAL_ERROR "${check}: ${${doc_var}} does not exist")
  endif()
endmacro()
