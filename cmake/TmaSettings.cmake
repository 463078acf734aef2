# Compile settings shared by every project target (ccache-style INTERFACE target):
# third-party headers are untouched, our own code is held to -Werror.
add_library(tma_settings INTERFACE)
target_compile_options(tma_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wextra-semi)
if(TMA_WARNINGS_AS_ERRORS)
  target_compile_options(tma_settings INTERFACE -Werror)
  # GCC 12 at -O3 (the Release build type) reports -Wrestrict inside libstdc++'s std::string
  # operator+ (GCC bug 105329, fixed in GCC 13) and -Wmaybe-uninitialized on value-initialised
  # aggregates for correct code; the default RelWithDebInfo (-O2) build keeps both as errors.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(tma_settings INTERFACE
      $<$<CONFIG:Release>:-Wno-restrict -Wno-error=maybe-uninitialized>)
  endif()
endif()
target_compile_definitions(tma_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(TMA_SANITIZE)
  # Applied globally so that every object, libraries included, is instrumented consistently.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TMA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TMA_FUZZ needs clang (libFuzzer): scripts/fuzz configures it")
  endif()
  # Coverage instrumentation for libFuzzer on every object; the targets link the fuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
