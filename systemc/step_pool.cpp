#include "step_pool.h"

namespace wafersim::fabric {

StepPool::StepPool(int threads) : threads_(threads), start_(threads), done_(threads) {
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { Work(w); });
}

StepPool::~StepPool() {
  stopping_ = true;
  start_.arrive_and_wait();
  for (auto& t : workers_) t.join();
}

void StepPool::Work(int worker) {
  for (;;) {
    start_.arrive_and_wait();  // the barrier orders job_ and stopping_ before the reads below
    if (stopping_) return;
    (*job_)(worker);
    done_.arrive_and_wait();
  }
}

void StepPool::Run(const std::function<void(int)>& job) {
  if (threads_ == 1) {
    job(0);
    return;
  }
  job_ = &job;
  start_.arrive_and_wait();
  job(0);
  done_.arrive_and_wait();
}

}  // namespace wafersim::fabric
