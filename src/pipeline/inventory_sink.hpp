// The asset inventory's taps on the record stream: each finished record and each flow end is
// shown to the Inventory, then passed on unchanged (like detect_sink.hpp, without detection).
// Several workers share one Inventory through a mutex: it sees records and flow ends, never
// packets, so the lock is taken far less often than once per packet.
#pragma once

#include <mutex>

#include "dicomsentry/optional_lock.hpp"
#include "dicom/dicom_events.hpp"
#include "flow/flow_table.hpp"
#include "inventory/inventory.hpp"

namespace dicomsentry {

class InventoryEventSink final : public dicom::EventSink {
 public:
  InventoryEventSink(inventory::Inventory& inventory, dicom::EventSink& next,
                     std::mutex* mutex = nullptr)
      : inventory_(inventory), next_(next), mutex_(mutex) {}

  void on_association(const dicom::AssociationRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      inventory_.on_association(record);
    }
    next_.on_association(record);
  }
  void on_transaction(const dicom::TransactionRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      inventory_.on_transaction(record);
    }
    next_.on_transaction(record);
  }
  void on_anomaly(const dicom::AnomalyRecord& record) override { next_.on_anomaly(record); }
  void on_tls(const dicom::TlsRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      inventory_.on_tls(record);
    }
    next_.on_tls(record);
  }

 private:
  inventory::Inventory& inventory_;
  dicom::EventSink& next_;
  std::mutex* mutex_;
};

class InventoryFlowEnd final : public FlowEndHandler {
 public:
  InventoryFlowEnd(inventory::Inventory& inventory, FlowEndHandler& next,
                   std::mutex* mutex = nullptr)
      : inventory_(inventory), next_(next), mutex_(mutex) {}

  // The L2 address book of the pipeline whose flows this handler sees (the pipeline is built
  // after its flow-end chain, hence a setter). Without one, devices get no MACs.
  void set_mac_book(const MacBook* book) { mac_book_ = book; }

  void on_flow_end(Flow& flow) override {
    {
      const auto lock = lock_if_shared(mutex_);
      inventory_.on_flow_end(flow, mac_book_);
    }
    next_.on_flow_end(flow);
  }

 private:
  inventory::Inventory& inventory_;
  FlowEndHandler& next_;
  std::mutex* mutex_;
  const MacBook* mac_book_ = nullptr;
};

}  // namespace dicomsentry
