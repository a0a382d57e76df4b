#include "net/password_hasher.hpp"

#include "net/random_id.hpp"

#include <argon2.h>
#include <boost/asio/post.hpp>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace mall::net {

namespace {

constexpr size_t salt_bytes = 16;
constexpr size_t hash_bytes = 32;

} // namespace

password_hasher::password_hasher(hasher_settings settings)
    : settings_(settings), pool_(settings.threads) {
  auto decoy = hash(random_hex(16));
  // A hasher that cannot hash at start never will: crash at wiring time.
  if (!decoy)
    throw std::runtime_error("argon2id cannot hash with these settings");
  decoy_ = std::move(*decoy);
}

password_hasher::~password_hasher() {
  pool_.join();
}

std::optional<std::string>
password_hasher::hash(std::string_view password) const {
  std::vector<unsigned char> salt(salt_bytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    return std::nullopt;
  std::string encoded(argon2_encodedlen(settings_.time_cost,
                                        settings_.memory_kib,
                                        settings_.parallelism, salt_bytes,
                                        hash_bytes, Argon2_id),
                      '\0');
  auto rc = argon2id_hash_encoded(settings_.time_cost, settings_.memory_kib,
                                  settings_.parallelism, password.data(),
                                  password.size(), salt.data(), salt.size(),
                                  hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    return std::nullopt;
  // argon2_encodedlen counts the terminating NUL.
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool password_hasher::verify(std::string_view password,
                             const std::string& encoded) const {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) ==
         ARGON2_OK;
}

void password_hasher::burn_verify_time(std::string_view password) const {
  verify(password, decoy_);
}

void password_hasher::async_hash(
    std::string password,
    std::function<void(std::optional<std::string>)> done) {
  boost::asio::post(pool_, [this, pw = std::move(password),
                            done = std::move(done)] { done(hash(pw)); });
}

void password_hasher::async_verify(std::string password, std::string encoded,
                                   std::function<void(bool)> done) {
  boost::asio::post(pool_,
                    [this, pw = std::move(password), enc = std::move(encoded),
                     done = std::move(done)] { done(verify(pw, enc)); });
}

void password_hasher::async_burn_verify_time(std::string password,
                                             std::function<void()> done) {
  boost::asio::post(pool_,
                    [this, pw = std::move(password), done = std::move(done)] {
                      burn_verify_time(pw);
                      done();
                    });
}

} // namespace mall::net
