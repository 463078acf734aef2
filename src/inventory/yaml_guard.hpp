#pragma once
// A bounded first pass over an inventory's YAML, before yaml-cpp builds nodes from it.
//
// yaml-cpp 0.7 (Debian 12) loops without end on some small inputs: a ',' outside a flow
// collection at document level (`,`, `"a",`, `[a],`) makes `YAML::LoadAll` emit null nodes
// forever and allocate until the machine refuses memory (found by tests/fuzz, docs/fuzzing.md).
// Valid YAML yields at most about two parser events per input byte, so this pass runs the same
// parser with an event handler that only counts, and stops it past a bound proportional to the
// input. Nothing is built, so the pass costs a parse and no memory.
#include <cstddef>
#include <string>

namespace tma::inventory::detail {

/// Events the guard allows for `bytes` bytes of YAML: far above what valid YAML produces.
std::size_t yaml_event_budget(std::size_t bytes);

/// Parse `text` once without building nodes. Throws YAML::ParserException (with the mark where
/// the parser stopped making progress) past the budget; rethrows yaml-cpp's own errors.
void guard_yaml_parse(const std::string& text);

} // namespace tma::inventory::detail
