// A fixed-capacity list for parse results: no allocation of its own, elements reused on clear().
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace dicomsentry::dicom {

// Like a vector whose capacity is N, decided at compile time. clear() keeps the elements
// constructed, so a reused result allocates nothing.
template <typename T, std::size_t N>
class BoundedList {
 public:
  static constexpr std::size_t kCapacity = N;

  // The next slot, or nullptr when full. The slot holds whatever a previous parse left in it:
  // callers assign every field.
  T* push() { return size_ < N ? &items_[size_++] : nullptr; }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == N; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  std::span<const T> view(std::size_t first, std::size_t count) const {
    return std::span<const T>(items_).subspan(first, count);
  }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

}  // namespace dicomsentry::dicom
