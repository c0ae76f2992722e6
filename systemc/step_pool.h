// Threads that step the fabric's tiles together: each cycle's evaluate and update phases are
// split over the workers by ranges of the active tile list. Every tile reads only last
// cycle's link values and writes only its own state and outputs, so the result does not
// depend on the number of threads.
#pragma once

#include <barrier>
#include <functional>
#include <thread>
#include <vector>

namespace wafersim::fabric {

class StepPool {
 public:
  /// `threads` workers in all, the calling thread being worker 0.
  explicit StepPool(int threads);
  ~StepPool();
  StepPool(const StepPool&) = delete;
  StepPool& operator=(const StepPool&) = delete;

  int Threads() const { return threads_; }
  /// Runs job(worker) on every worker and returns when all are done.
  void Run(const std::function<void(int)>& job);

 private:
  void Work(int worker);

  int threads_;
  const std::function<void(int)>* job_ = nullptr;
  bool stopping_ = false;
  std::barrier<> start_, done_;
  std::vector<std::thread> workers_;
};

}  // namespace wafersim::fabric
