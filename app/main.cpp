// The node binary: `mall-node [--config FILE] [--<key> value ...]`.
#include "app/node.hpp"

#include <iostream>

int main(int argc, char** argv) {
  // Before any thread exists, so that all of them inherit the mask.
  mall::app::block_stop_signals();
  auto parsed = mall::app::parse_node_config(argc, argv);
  if (!parsed.config) {
    std::cerr << parsed.message;
    return parsed.exit_code;
  }
  return mall::app::run_node(*parsed.config);
}
