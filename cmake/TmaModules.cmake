# One static library per folder of src/ (`tma_<folder>`), linked to exactly the folders it may use.
# The arrows are declared once, here, with tma_module(); they must match the dependency table of
# docs/architecture.md, and every `#include <tma/X/...>` of a folder must name itself or one of its
# arrows. cmake/CheckLayers.cmake checks both before anything compiles, so a forbidden include fails
# the build (a link alone would let an inline function or a type through).

set_property(GLOBAL PROPERTY TMA_LAYER_TABLE "")

# tma_module(NAME [USES folder...] [HEADERS root...] [LIBS target...] [PUBLIC_LIBS target...]
#            [EXTRA_SOURCES file...])
# HEADERS: the restricted third-party include roots the folder may use (`curl`, `git2`, `yaml-cpp`,
# `openssl`, `CLI`); a root named by any folder is refused in every other one.
function(tma_module name)
  cmake_parse_arguments(M "" "" "USES;HEADERS;LIBS;PUBLIC_LIBS;EXTRA_SOURCES" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(tma_${name} STATIC ${sources} ${M_EXTRA_SOURCES})
  target_include_directories(tma_${name} PUBLIC ${CMAKE_SOURCE_DIR}/include PRIVATE ${CMAKE_SOURCE_DIR}/src)
  set(uses)
  foreach(u IN LISTS M_USES)
    list(APPEND uses tma_${u})
  endforeach()
  target_link_libraries(tma_${name} PUBLIC ${uses} ${M_PUBLIC_LIBS} PRIVATE tma_settings ${M_LIBS})
  add_dependencies(tma_${name} tma_layers)
  string(REPLACE ";" "," uses_text "${M_USES}")
  string(REPLACE ";" "," headers_text "${M_HEADERS}")
  set_property(GLOBAL APPEND_STRING PROPERTY TMA_LAYER_TABLE "${name}:${uses_text}:${headers_text}\n")
endfunction()

# Write the declared table and check every folder's includes against it (and against the docs).
function(tma_check_layers)
  get_property(table GLOBAL PROPERTY TMA_LAYER_TABLE)
  file(WRITE ${CMAKE_BINARY_DIR}/layers.txt "${table}")
endfunction()

add_custom_target(tma_layers
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DTABLE=${CMAKE_BINARY_DIR}/layers.txt
          -P ${CMAKE_SOURCE_DIR}/cmake/CheckLayers.cmake
  COMMENT "Checking the include arrows of src/ against cmake/TmaModules.cmake and docs/architecture.md"
  VERBATIM)
