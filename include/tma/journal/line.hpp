#pragma once
// The line format of one event (docs/journal.md, "Layout and line format"), written straight into
// a buffer: the same bytes as `to_json(event).dump()`, without building a JSON object (and so
// without copying `data`), for writers of many events (`tma journal --format json`).

#include <string>

#include <tma/journal/journal.hpp>

namespace tma::journal {

/// Append the event's line (keys sorted, compact, no newline) to `out`.
void append_line(std::string& out, const Event& event);

} // namespace tma::journal
