// A lock on state that several workers may share: none when one worker owns it.
#pragma once

#include <mutex>

namespace dicomsentry {

// `mutex` is null when the state has one owner (one worker): then nothing is locked.
inline std::unique_lock<std::mutex> lock_if_shared(std::mutex* mutex) {
  return mutex != nullptr ? std::unique_lock<std::mutex>(*mutex) : std::unique_lock<std::mutex>();
}

}  // namespace dicomsentry
