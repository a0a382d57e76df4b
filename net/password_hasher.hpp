// Slow salted password hashes (argon2id), computed off the io threads.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mall::net {

/// Cost of one hash and the size of the pool that computes them.
struct hasher_settings {
  /// Passes over memory.
  uint32_t time_cost = 2;
  /// Memory in KiB (19 MiB: OWASP's argon2id minimum).
  uint32_t memory_kib = 19 * 1024;
  uint32_t parallelism = 1;
  /// Threads of the pool that runs the async calls.
  std::size_t threads = 2;
};

/// Hashes and verifies passwords as argon2id encoded strings
/// (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), with a fresh random salt
/// per hash. The async calls run on the hasher's own small pool so that a
/// burst of logins never stalls the HTTP io threads.
class password_hasher {
public:
  explicit password_hasher(hasher_settings settings = {});
  /// Waits for hashes in progress.
  ~password_hasher();

  password_hasher(const password_hasher&) = delete;
  password_hasher& operator=(const password_hasher&) = delete;

  // -- blocking ---------------------------------------------------------------

  /// The encoded hash, or nothing if argon2 failed (e.g. out of memory).
  std::optional<std::string> hash(std::string_view password) const;

  /// Whether `password` matches `encoded`; false for a malformed `encoded`.
  bool verify(std::string_view password, const std::string& encoded) const;

  /// Spends as long as a `verify` against a real hash, to answer unknown
  /// users as slowly as wrong passwords.
  void burn_verify_time(std::string_view password) const;

  // -- on the pool
  // -------------------------------------------------------------

  void async_hash(std::string password,
                  std::function<void(std::optional<std::string>)> done);

  void async_verify(std::string password, std::string encoded,
                    std::function<void(bool)> done);

  /// `burn_verify_time` on the pool, then `done`.
  void async_burn_verify_time(std::string password, std::function<void()> done);

private:
  hasher_settings settings_;
  /// A hash of a random password, verified against for unknown users.
  std::string decoy_;
  boost::asio::thread_pool pool_;
};

} // namespace mall::net
