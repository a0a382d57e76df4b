#include "actors/local_dispatch.hpp"

#include "caf/send.hpp"

namespace mall::actors {

namespace {

/// Leaves the count of one command when the shard drops it. Made in place
/// and never copied: a copy's destructor would leave the count early.
class in_flight_mark {
public:
  in_flight_mark(std::shared_ptr<shard_routes> routes, size_t index)
      : routes_(std::move(routes)), index_(index) {}

  in_flight_mark(const in_flight_mark&) = delete;
  in_flight_mark& operator=(const in_flight_mark&) = delete;

  ~in_flight_mark() { routes_->leave_local(index_); }

private:
  std::shared_ptr<shard_routes> routes_;
  size_t index_;
};

} // namespace

void dispatch_local(const shard_directory& directory,
                    std::shared_ptr<shard_routes> routes, size_t index,
                    ask_request req) {
  req.held = std::make_shared<in_flight_mark>(std::move(routes), index);
  caf::anon_send(directory.get(index), std::move(req));
}

} // namespace mall::actors
