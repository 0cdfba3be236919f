// The asset inventory as files: inventory.json (one document, devices sorted by address, sets
// sorted) and inventory.csv (a header, then one line per device, sets joined by ';').
#pragma once

#include <string>

#include <fmt/format.h>

#include "inventory/inventory.hpp"

namespace dicomsentry {

void write_inventory_json(const inventory::Inventory& inventory, fmt::memory_buffer& out);
void write_inventory_csv(const inventory::Inventory& inventory, fmt::memory_buffer& out);

// Writes both files into `directory` (created if missing). False with `error` set when either
// could not be written whole.
bool write_inventory_files(const inventory::Inventory& inventory, const std::string& directory,
                           std::string& error);

}  // namespace dicomsentry
