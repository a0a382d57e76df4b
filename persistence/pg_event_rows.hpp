// How journal rows and PostgreSQL errors look to the journal's threads.
#pragma once

#include "persistence/journal.hpp"

#include <pqxx/pqxx>

#include <string>

namespace mall::persistence {

/// The columns `to_event` reads, of the journal table called `t`.
std::string event_columns(const std::string& t = "journal");

/// The event in the columns of `event_columns`, starting at column `first`.
event_record to_event(const pqxx::row& row, pqxx::row::size_type first = 0);

/// Whether `text` holds a NUL character, which PostgreSQL text refuses.
bool has_nul(const std::string& text);

/// Whether the statement failed because of the rows written (SQLSTATE
/// class 22 data exception or 23 integrity violation, such as a second
/// writer of a seq_nr, or a deadlock between writers) rather than because
/// of the server: written one by one, the rest of the batch gets through.
bool caused_by_data(const pqxx::sql_error& e);

} // namespace mall::persistence
