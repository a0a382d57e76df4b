#include "persistence/pg_event_rows.hpp"

namespace mall::persistence {

std::string event_columns(const std::string& t) {
  return t + ".persistence_id, " + t + ".seq_nr, " + t + ".event_type, " + t +
         ".payload, " + t + ".trace_id, (extract(epoch FROM " + t +
         ".written_at) * 1000)::bigint, " + t + ".tx::text::bigint, " + t +
         ".global_offset";
}

event_record to_event(const pqxx::row& row, pqxx::row::size_type first) {
  event_record event;
  event.persistence_id = row[first].as<std::string>();
  event.seq_nr = row[first + 1].as<int64_t>();
  event.type = row[first + 2].as<std::string>();
  event.payload = row[first + 3].as<std::string>();
  event.trace_id = row[first + 4].as<std::string>();
  event.written_at_ms = row[first + 5].as<int64_t>();
  event.position.tx = row[first + 6].as<int64_t>();
  event.position.offset = row[first + 7].as<int64_t>();
  return event;
}

bool has_nul(const std::string& text) {
  return text.find('\0') != std::string::npos;
}

bool caused_by_data(const pqxx::sql_error& e) {
  auto state = e.sqlstate();
  // A deadlock (40P01) too: two writers' batches can lock the same keys in
  // opposite order (an old and a new incarnation of two entities after a
  // crash); one by one they cannot.
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 ||
         state == "40P01";
}

} // namespace mall::persistence
