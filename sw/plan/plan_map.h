// A plan as a map of the mesh, for a picture (scripts/plot_plan, `wafersim run --plan-png`):
// every tile the plan programs with its role and routes, and the ports' streams, in mesh
// coordinates.
#pragma once

#include <nlohmann/json.hpp>

#include "fabric_config.h"
#include "plan/plan.h"

namespace wafersim::plan {

/// {"kernel", "description", "mesh": [W, H], "region": [x0, y0, w, h], "tiles": [{"x", "y",
/// "role", "routes": [{"color", "from": ["west", ...], "to": [...]}]}], "inputs"/"outputs":
/// [{"name", "streams": [{"x", "y", "side", "color", "count"}]}]}
nlohmann::json PlanMap(const Plan& plan, const fabric::FabricConfig& fabric);

}  // namespace wafersim::plan
