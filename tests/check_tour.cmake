# Keeps docs/tour.md honest: the files and functions it names must exist. Within each stop
# (the text from one "## " heading to the next; the text before the first is a stop too):
#   `dir/file.cpp`     a backticked path with a "/" and a known extension must exist;
#   `name()`           a backticked name followed by "()", or `Class::name()`, or
#                      `Class::~Class()`, must appear followed by "(" in at least one of the
#                      files that the same stop names;
#   ```cpp blocks      every line must occur in one of those files (leading and trailing
#                      spaces aside; blank lines and lines that are only "..." skipped).
# Expressions like `loss.backward()` (with a dot) are not checked; HTML comments are skipped.
#   cmake -P tests/check_tour.cmake [-DROOT=repo] [-DTOUR=docs/tour.md]
# Fails naming each missing file, function or quoted line and its stop.
# Text is handled as strings: ';' and square brackets, which CMake lists treat specially,
# are replaced by ',' and parentheses in the doc and in the files alike before comparing.
cmake_minimum_required(VERSION 3.25)

include("${CMAKE_CURRENT_LIST_DIR}/doc_check.cmake")
doc_check_inputs(check_tour TOUR docs/tour.md)

set(path_regex "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+\\.(h|cpp|cu|cuh|cmake|py|sh|md|txt|json|tsv)$")
set(name_regex "^~?[A-Za-z_][A-Za-z0-9_]*(::~?[A-Za-z_][A-Za-z0-9_]*)*\\(\\)$")

# TEXT with the characters that CMake lists treat specially replaced, into OUT.
function(list_safe text out)
  string(REPLACE ";" "," text "${text}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

file(READ "${TOUR}" doc)
list_safe("${doc}" doc)
# Drop HTML comments: "<!--", then anything without "-->", then "-->".
string(REGEX REPLACE "<!--([^-]|-[^-]|--[^>])*-->" "" doc "${doc}")
string(FIND "${doc}" "<!--" open)
if(NOT open EQUAL -1)
  message(FATAL_ERROR "check_tour: an HTML comment in ${TOUR} is not closed")
endif()

# Cut the doc into stops at each line starting "## " (a list, now that the doc has no ';'
# of its own); no line of a fenced block may start so.
string(REPLACE "\n## " ";## " stops "${doc}")

set(failures "")
set(paths_checked 0)
set(names_checked 0)
set(lines_checked 0)
foreach(stop IN LISTS stops)
  string(REGEX MATCH "^## ([^\n]*)" heading "${stop}")
  if(heading)
    set(title "${CMAKE_MATCH_1}")
  else()
    set(title "(before the first heading)")
  endif()

  # Separate the fenced blocks (the lines of ```cpp ones kept for checking) from the prose.
  set(prose "")
  set(quoted "")
  set(fence "")  # the opening line of the block we are in, or "" outside blocks
  string(REPLACE "\n" ";" lines "${stop}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^```")
      if(fence STREQUAL "")
        set(fence "${line}")
      else()
        set(fence "")
      endif()
    elseif(fence STREQUAL "```cpp")
      list(APPEND quoted "${line}")
    elseif(fence STREQUAL "")
      string(APPEND prose "${line}\n")
    endif()
  endforeach()
  if(NOT fence STREQUAL "")
    string(APPEND failures "\n  stop '${title}': a ``` block is not closed")
  endif()

  # The backticked spans of the prose (a span may wrap onto the next line).
  string(REPLACE "\n" " " prose "${prose}")
  string(REGEX MATCHALL "`[^`]+`" spans "${prose}")
  set(files "")
  set(names "")
  foreach(span IN LISTS spans)
    string(REGEX REPLACE "^`(.*)`$" "\\1" span "${span}")
    if(span MATCHES "${path_regex}")
      math(EXPR paths_checked "${paths_checked} + 1")
      if(EXISTS "${ROOT}/${span}" AND NOT IS_DIRECTORY "${ROOT}/${span}")
        list(APPEND files "${span}")
      else()
        string(APPEND failures "\n  stop '${title}': file ${span} does not exist")
      endif()
    elseif(span MATCHES "${name_regex}")
      string(REGEX REPLACE "\\(\\)$" "" name "${span}")
      list(APPEND names "${name}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES files)

  # Every file the stop names, one after another (a newline first, so that a name at the
  # very start of a file has a character before it).
  set(contents "\n")
  foreach(file IN LISTS files)
    file(READ "${ROOT}/${file}" content)
    list_safe("${content}" content)
    string(APPEND contents "${content}\n")
  endforeach()
  string(REPLACE ";" ", " files_text "${files}")
  if(files_text STREQUAL "")
    set(files_text "no file")
  endif()

  foreach(name IN LISTS names)
    math(EXPR names_checked "${names_checked} + 1")
    string(REGEX MATCH "[^A-Za-z0-9_]${name}\\(" found "${contents}")
    if(NOT found)
      string(APPEND failures "\n  stop '${title}': function ${name}() not found in the stop's "
                             "files (${files_text})")
    endif()
  endforeach()

  foreach(line IN LISTS quoted)
    string(STRIP "${line}" line)
    if(line STREQUAL "" OR line STREQUAL "...")
      continue()
    endif()
    math(EXPR lines_checked "${lines_checked} + 1")
    string(FIND "${contents}" "${line}" at)
    if(at EQUAL -1)
      string(APPEND failures
             "\n  stop '${title}': quoted line not found in the stop's files (${files_text}),"
             " shown with ';' as ',' and brackets as parentheses:"
             "\n      ${line}")
    endif()
  endforeach()
endforeach()

if(paths_checked EQUAL 0)
  message(FATAL_ERROR "check_tour: no backticked file paths found in ${TOUR}")
endif()
if(failures)
  message(FATAL_ERROR "check_tour: ${TOUR} names what the repository no longer has:${failures}")
endif()
message(STATUS "check_tour: ${TOUR}: ${paths_checked} paths, ${names_checked} functions and "
               "${lines_checked} quoted lines found in the repository")
