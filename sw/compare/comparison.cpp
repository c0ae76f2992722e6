#include "compare/comparison.h"

#include "workload/dtype.h"
#include "workload/phase.h"

namespace wafersim::compare {

Comparison Compare(const CompareRequest& req) {
  Comparison c;
  c.workload = req.workload;
  c.wafer = ModelOnWafer(req.wafer, req.workload, req.wafer_options, req.overrides, req.energy);
  const int gpus = req.gpus > 0 ? req.gpus : req.gpu.gpus_per_node;
  c.gpu = ModelOnGpuNode(req.gpu, gpus, req.workload, req.energy);
  return c;
}

nlohmann::json ComparisonJson(const Comparison& c, const EnergyTable& energy) {
  const workload::Workload& w = c.workload;
  const bool decode = w.phase == workload::Phase::kDecode;
  const auto side = [&](const MachineResult& r) {
    nlohmann::json j = MachineResultJson(r);
    j["time_per_output_token_s"] = decode ? nlohmann::json(r.step_s) : nlohmann::json(nullptr);
    j["time_to_first_token_s"] = decode ? nlohmann::json(nullptr) : nlohmann::json(r.step_s);
    return j;
  };
  const WaferCapacity& cap = c.wafer.capacity;
  nlohmann::json wafer = side(c.wafer.Chosen());
  wafer["capacity"] = {{"weight_bytes", cap.weight_bytes},
                       {"kv_bytes", cap.kv_bytes},
                       {"activation_bytes", cap.activation_bytes},
                       {"usable_per_wafer_bytes", cap.usable_per_wafer},
                       {"wafers_needed", cap.wafers_needed},
                       {"fits_one_wafer", c.wafer.fits_one}};
  const MachineResult& other = c.wafer.chosen == "stream" ? c.wafer.resident : c.wafer.streamed;
  return {{"workload",
           {{"model", w.model.name},
            {"phase", workload::PhaseName(w.phase)},
            {"batch", w.batch},
            {"prompt", w.prompt},
            {"context", w.context},
            {"dtype", workload::DTypeName(w.dtype)},
            {"first_layer", w.first_layer},
            {"layers", w.LayerCount()},
            {"tokens_per_pass", w.Tokens()}}},
          {"wafer", wafer},
          {"wafer_chosen", c.wafer.chosen},
          {"wafer_alternative", side(other)},
          {"gpu", side(c.gpu)},
          {"energy_table", EnergyTableJson(energy)}};
}

}  // namespace wafersim::compare
