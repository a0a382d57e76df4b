#include "actors/entity.hpp"

#include "domains/common/json_text.hpp"

namespace mall::actors {

namespace {

constexpr uint8_t journal_conflict_code = 1;
constexpr uint8_t journal_failure_code = 2;

const caf::atom_value entity_category = caf::atom("entity");

} // namespace

caf::error journal_conflict_error() {
  return caf::error{journal_conflict_code, entity_category};
}

caf::error journal_failure_error() {
  return caf::error{journal_failure_code, entity_category};
}

bool is_journal_conflict(const caf::error& reason) {
  return reason.category() == entity_category &&
         reason.code() == journal_conflict_code;
}

bool stopped_by_journal(const caf::error& reason) {
  return reason.category() == entity_category &&
         (reason.code() == journal_conflict_code ||
          reason.code() == journal_failure_code);
}

entity_reply error_reply(std::string code, std::string message) {
  return entity_reply{std::move(code), std::move(message), {}, {}, false};
}

bool is_await_command(const std::string& body) {
  if (body == await_body)
    return true;
  auto j = domains::try_parse_json(body);
  if (!j.is_object())
    return false;
  auto type = j.find("type");
  return type != j.end() && type->is_string() && *type == "await";
}

caf::error entity_crashed(const std::string& who, std::exception_ptr& eptr) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    // keep the generic text
  }
  spdlog::error("{} crashed: {}", who, what);
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

} // namespace mall::actors
