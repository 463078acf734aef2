# Compile settings shared by every project target (ccache-style INTERFACE target):
# third-party headers are untouched, our own code is held to -Werror.
add_library(tma_settings INTERFACE)
target_compile_options(tma_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wextra-semi)
if(TMA_WARNINGS_AS_ERRORS)
  target_compile_options(tma_settings INTERFACE -Werror)
endif()
target_compile_definitions(tma_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(TMA_SANITIZE)
  # Applied globally so that every object, libraries included, is instrumented consistently.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
