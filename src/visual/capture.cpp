#include <tma/visual/capture.hpp>

#include <fmt/format.h>

namespace tma::visual {

std::string width_label(int width, bool mobile) { return fmt::format("{}{}", width, mobile ? "m" : ""); }

} // namespace tma::visual
