#pragma once
// Several commands in one remote session (docs/transport.md, "Batches"): each session costs the
// server a login shell, so the read-only queries of one site go as one `sh -c` script that runs them
// in turn. The script opens both streams with a `<boundary>` line (noise a login shell prints
// before it is skipped); each call's stdout is followed by `\n<boundary> <index> <exit code>\n`,
// its stderr by `\n<boundary> <index>\n`. The boundary is 128 random bits drawn for each session,
// so no output can contain it by chance, and the script starts no process of its own per call (it
// runs on hundreds of sites at once). A call that fails is that call's failure; the others still
// count.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/transport/transport.hpp>

namespace tma::transport {

/// One call of a batch: where it runs (`cd` first unless empty) and its argv (each element quoted).
struct BatchCall {
  std::vector<std::string> argv;
  std::string cwd;
  std::chrono::seconds timeout{0}; ///< killed after this (with `timeout` where the server has it); 0: none
};

/// The POSIX sh script running `calls` in order, framed with `boundary` (letters and digits only).
std::string batch_script(const std::vector<BatchCall>& calls, std::string_view boundary);

/// What one call printed and how it exited.
struct BatchPart {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// The parts framed in the session's `out` and `err`, in order. Fewer than `expected` when the batch
/// stopped early (the caller reports the missing calls); an error when a trailer is malformed or
/// out of order. A call whose stderr trailer is missing (the session keeps only stderr's tail) has
/// an empty `err`.
core::Result<std::vector<BatchPart>> parse_batch(std::string_view out, std::string_view err,
                                                 std::string_view boundary, std::size_t expected);

/// A fresh random boundary (32 hex digits).
std::string new_boundary();

/// Run `commands` through `transport` in one session with the batch script (`sh -c`), one result per
/// command: a part's exit code and output as `completed`, the whole session's outcome (unreachable,
/// timed out...) for every command when the session itself failed. `path` replaces an empty
/// `Command::cwd`, as the transport's own `run` does.
std::vector<CommandResult> run_batched(Transport& transport, const std::vector<Command>& commands,
                                       const std::string& path);

} // namespace tma::transport
