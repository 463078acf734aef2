#pragma once
#include <string_view>

namespace tma::core {
/// The tma version, from CMake's project(VERSION).
std::string_view version();
} // namespace tma::core
