#pragma once
// Resolving inventory secrets: a literal value, or the output of its `*_command` program.

#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>

namespace tma::transport {

/// The value of `secret`: its literal value, or the standard output of its command (run without a
/// shell, 30 s at most, trailing newlines removed), which is registered for redaction before it is
/// returned. An empty secret resolves to "". Errors name `key` and the secret's file:line, never
/// the value; a command that fails, prints nothing or cannot start is an error (ErrorKind::config).
core::Result<std::string> resolve_secret(const inventory::Secret& secret, const std::string& key);

/// A secret of the inventory and the key path that holds it (`storage.offsite.password`).
struct NamedSecret {
  std::string key;
  const inventory::Secret* secret = nullptr;
};

/// Every non-empty secret of `inventory`, in a stable order (`tma inventory check --secrets`).
std::vector<NamedSecret> inventory_secrets(const inventory::Inventory& inventory);

} // namespace tma::transport

namespace tma::transport {

/// Outcome of running every `*_command` secret of an inventory.
struct SecretCheck {
  std::size_t ran = 0;
  std::vector<std::string> errors; ///< redacted, one per failing command
};

/// Run every command secret once (values are registered for redaction, never returned).
SecretCheck check_secret_commands(const inventory::Inventory& inventory);

} // namespace tma::transport
