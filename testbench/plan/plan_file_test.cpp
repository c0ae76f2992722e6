// Plans as files (docs/plans.md): .npy reading and writing and their one-line errors; a plan
// written out and read back is the same plan; broken plan files say file:line: key: reason;
// the committed example and an emitted GEMV run right on fast tiles.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <regex>

#include "fabric/fabric_harness.h"
#include "plan/npy.h"
#include "plan/plan_file.h"
#include "plan/plan_lowering.h"
#include "runtime/gemv_mapper.h"
#include "runtime/mapper_registry.h"
#include "runtime/kernel_run.h"

using namespace wafersim;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the build's temporary folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / fmt::format("wafersim_plan_{}_{}", name, ::getpid());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// An .npy of `descr` and `shape_text` ("(3,)") with `data`, at `version`.
std::string Npy(const std::string& descr, const std::string& shape_text, const std::string& data, int version = 1,
                const std::string& fortran = "False") {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape_text + ", }";
  const size_t len_bytes = version == 1 ? 2 : 4;
  while ((8 + len_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(version) + '\0';
  for (size_t b = 0; b < len_bytes; ++b) out += static_cast<char>((header.size() >> (8 * b)) & 0xff);
  return out + header + data;
}

template <typename T>
std::string Raw(std::initializer_list<T> values) {
  std::string s;
  for (T v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

runtime::KernelRequest Gemv(int64_t m, int64_t n, DType dtype = DType::kFp32) {
  runtime::KernelRequest req;
  req.m = m;
  req.n = n;
  req.dtype = dtype;
  req.seed = 7;
  return req;
}

runtime::KernelResult RunFast(const runtime::KernelMapping& mapping, const fabric::FabricConfig& config) {
  fabric::TileGrid grid(config, {}, fabric::TileModels::All(fabric::TileModel::Fast));
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

const std::string kExample = WAFERSIM_PLAN_EXAMPLE;

}  // namespace

TEST_CASE("npy files are written and read back", "[plan][npy]") {
  TempDir dir("npy");
  const std::vector<double> values{1.5, -2.25, 0, 1e-3, 65504, -0.0};
  for (const char* descr : {"<f4", "<f2", "<f8"}) {
    plan::WriteNpy(dir / "a.npy", {2, 3}, values, descr);
    const plan::NpyArray a = plan::ReadNpy(dir / "a.npy");
    CHECK(a.descr == descr);
    CHECK(a.shape == std::vector<int64_t>{2, 3});
    REQUIRE(a.values.size() == 6);
    for (size_t i = 0; i < values.size(); ++i) {
      const double want = std::string(descr) == "<f8" ? values[i]
                          : std::string(descr) == "<f4" ? double(float(values[i]))
                                                        : (i == 3 ? 0.0010004043579101562 : values[i]);
      CHECK(a.values[i] == want);
    }
    // The header is padded to 64 bytes, and nothing temporary is left beside the file.
    CHECK((fs::file_size(dir / "a.npy") - 6 * (descr[2] - '0')) % 64 == 0);
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  }
  plan::WriteNpy(dir / "b.npy", {4}, {1, 2, 3, 4});
  CHECK(plan::ReadNpy(dir / "b.npy").shape == std::vector<int64_t>{4});
}

TEST_CASE("npy versions 2.0 and 3.0 and integer dtypes are read", "[plan][npy]") {
  TempDir dir("npy_versions");
  WriteBytes(dir / "v2.npy", Npy("<f4", "(2,)", Raw<float>({0.5f, 3.0f}), 2));
  CHECK(plan::ReadNpy(dir / "v2.npy").values == std::vector<double>{0.5, 3.0});
  WriteBytes(dir / "v3.npy", Npy("<f8", "(1, 2)", Raw<double>({0.1, -7.0}), 3));
  CHECK(plan::ReadNpy(dir / "v3.npy").values == std::vector<double>{0.1, -7.0});
  WriteBytes(dir / "i4.npy", Npy("<i4", "(3,)", Raw<int32_t>({-1, 0, 42})));
  CHECK(plan::ReadNpy(dir / "i4.npy").values == std::vector<double>{-1, 0, 42});
  WriteBytes(dir / "i8.npy", Npy("<i8", "(2, 1)", Raw<int64_t>({int64_t{1} << 40, -3})));
  CHECK(plan::ReadNpy(dir / "i8.npy").values == std::vector<double>{double(int64_t{1} << 40), -3});
}

TEST_CASE("a broken npy file gives one line naming the file and what is wrong", "[plan][npy]") {
  TempDir dir("npy_bad");
  const std::string f = dir / "bad.npy";
  struct Case {
    std::string bytes, expect;
  };
  const std::string good_data = Raw<float>({1, 2, 3});
  const std::vector<Case> cases = {
      {"PK\x03\x04 a zip file", "not an .npy file \\(bad magic\\)"},
      {std::string("\x93NUMPY\x01", 7), "truncated header"},
      {Npy("<f4", "(3,)", good_data).substr(0, 40), "truncated header"},
      {Npy("<f4", "(3,)", good_data.substr(0, 8)), "shape \\(3,\\) of <f4 needs 12 bytes of data, the file has 8 \\(truncated\\)"},
      {Npy("<f4", "(2,)", good_data), "shape \\(2,\\) of <f4 needs 8 bytes of data, the file has 12"},
      {Npy(">f4", "(3,)", good_data), "unsupported dtype '>f4'"},
      {Npy("<c8", "(3,)", good_data), "unsupported dtype '<c8'"},
      {Npy("<f4", "(3,)", good_data, 1, "True"), "Fortran order is not supported"},
      {Npy("<f4", "(1, 1, 3)", good_data), "shape \\(1, 1, 3\\) is not 1-D or 2-D"},
      {Npy("<f4", "(3,)", good_data, 9), "format version 9.0"},
      // Two sizes of 2^40 once multiplied to 0 and read as an empty array
      // (testbench/fuzz/crashes/npy).
      {Npy("<f4", "(1099511627776, 1099511627776)", ""), "shape \\(1099511627776, 1099511627776\\) is too large"},
  };
  for (const auto& c : cases) {
    WriteBytes(f, c.bytes);
    const std::string e = ErrorOf([&] { plan::ReadNpy(f); });
    INFO(e);
    CHECK(std::regex_search(e, std::regex("^" + f + ": " + c.expect)));
    CHECK(e.find('\n') == std::string::npos);
  }
  CHECK(ErrorOf([&] { plan::ReadNpy(dir / "nowhere.npy"); }) ==
        dir / "nowhere.npy" + ": cannot open the file: No such file or directory");
  // A write that cannot happen leaves nothing behind.
  CHECK(ErrorOf([&] { plan::WriteNpy(dir / "no/such/folder/x.npy", {1}, {1.0}); }).find("cannot create a file") !=
        std::string::npos);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);  // bad.npy alone
  CHECK(ErrorOf([&] { plan::WriteNpy(dir / "x.npy", {2}, {1.0}); }).find("does not hold 1 values") !=
        std::string::npos);
}

TEST_CASE("a GEMV plan written out and read back is the same plan", "[plan][file]") {
  for (DType dtype : {DType::kFp32, DType::kFp16}) {
    INFO(DTypeName(dtype));
    TempDir dir(std::string("gemv_") + DTypeName(dtype));
    const fabric::FabricConfig config = testbench::SmallFabric(3, 3);
    const plan::Plan p = runtime::BuildGemvPlan(Gemv(23, 19, dtype), config);
    plan::WritePlanDir(p, dir.path.string());
    CHECK(fs::is_regular_file(dir / "kernels/gemv_tile.s"));
    CHECK(fs::is_regular_file(dir / "W.npy"));
    CHECK(fs::is_regular_file(dir / "y.expected.npy"));
    const plan::Plan back = plan::ReadPlanFile(dir / "plan.toml");
    CHECK(back.region == p.region);
    CHECK(back.tensors == p.tensors);
    CHECK(back.tiles == p.tiles);
    CHECK(back.inputs == p.inputs);
    CHECK(back.outputs == p.outputs);
    CHECK(back.reference == p.reference);
    CHECK(back.tolerance == p.tolerance);
    CHECK(back.cost == p.cost);
    CHECK(back.parameters == p.parameters);
    CHECK(back == p);
    // Tensors and ports are written with the canonical names; the older f32 and f16 read the
    // same (the free-form parameters keep theirs).
    std::string text = ReadBytes(dir / "plan.toml");
    const std::regex written(R"re((file = "[^"]*", |\n)dtype = "fp(32|16)")re");
    CHECK(std::distance(std::sregex_iterator(text.begin(), text.end(), written), std::sregex_iterator()) == 3);
    WriteBytes(dir / "plan.toml", std::regex_replace(text, written, "$1dtype = \"f$2\""));
    CHECK(plan::ReadPlanFile(dir / "plan.toml") == p);
    // And it runs to the same cycle as the built-in mapping.
    const runtime::KernelResult built_in = RunFast(plan::Lower(p, config), config);
    plan::LowerOptions options;
    options.program_dir = dir.path.string();
    const runtime::KernelResult from_file = RunFast(plan::Lower(back, config, options), config);
    CHECK(built_in.correct);
    CHECK(from_file.correct);
    CHECK(from_file.cycles == built_in.cycles);
    CHECK(from_file.output == built_in.output);
  }
}

TEST_CASE("the other Plan builders' plans round-trip and run the same", "[plan][file]") {
  struct Case {
    std::string kernel;
    int mesh;
    std::function<void(runtime::KernelRequest&)> shape;
  };
  const std::vector<Case> cases = {
      {"rmsnorm", 4, [](runtime::KernelRequest& r) { r.d_model = 24, r.tokens = 2; }},
      {"residual", 4, [](runtime::KernelRequest& r) { r.d_model = 24, r.tokens = 2; }},
      {"silu_mul", 4, [](runtime::KernelRequest& r) { r.d_model = 20, r.tokens = 2; }},
      {"rope", 3, [](runtime::KernelRequest& r) { r.tokens = 2, r.heads = 2, r.kv_heads = 1, r.head_dim = 8, r.context = 5; }},
      {"gemm", 3, [](runtime::KernelRequest& r) { r.m = 10, r.n = 9, r.k = 11, r.dtype = DType::kFp16; }},
      {"attention", 3, [](runtime::KernelRequest& r) { r.heads = 2, r.kv_heads = 1, r.head_dim = 8, r.context = 12; }},
      {"attention", 3,
       [](runtime::KernelRequest& r) { r.phase = "prefill", r.heads = 2, r.kv_heads = 1, r.head_dim = 8, r.prompt = 5; }},
      {"chain", 16, [](runtime::KernelRequest& r) { r.d_model = 30, r.n = 40, r.m = 26; }},
      {"moe", 3,
       [](runtime::KernelRequest& r) { r.d_model = 8, r.d_ff = 8, r.experts = 3, r.top_k = 2, r.tokens = 2; }},
      {"moe", 3, [](runtime::KernelRequest& r) {
         r.d_model = 8, r.d_ff = 8, r.experts = 3, r.top_k = 2, r.tokens = 2, r.dispatch = "dynamic";
       }},
  };
  int i = 0;
  for (const Case& c : cases) {
    INFO(c.kernel);
    runtime::KernelRequest req;
    req.kernel = c.kernel;
    c.shape(req);
    const fabric::FabricConfig config = testbench::SmallFabric(c.mesh, c.mesh);
    const plan::Plan p = runtime::FindMapper(c.kernel).build_plan(req, config);
    TempDir dir(fmt::format("builder_{}_{}", c.kernel, i++));
    plan::WritePlanDir(p, dir.path.string());
    if (c.kernel == "rmsnorm" || c.kernel == "chain") CHECK(fs::is_regular_file(dir / "kernels/rsqrt_f32.s"));  // included
    const plan::Plan back = plan::ReadPlanFile(dir / "plan.toml");
    plan::Plan sorted = p;  // tiles come back in row-major order
    std::stable_sort(sorted.tiles.begin(), sorted.tiles.end(), [](const plan::PlanTile& x, const plan::PlanTile& y) {
      return std::tie(x.y, x.x) < std::tie(y.y, y.x);
    });
    CHECK(back == sorted);
    plan::LowerOptions options;
    options.program_dir = dir.path.string();
    const runtime::KernelResult a = RunFast(plan::Lower(p, config), config);
    const runtime::KernelResult b = RunFast(plan::Lower(back, config, options), config);
    CHECK(a.correct);
    CHECK(b.correct);
    CHECK(a.cycles == b.cycles);
    CHECK(a.output == b.output);
  }
}

TEST_CASE("a GEMV plan on 16x16 tiles is written compactly", "[plan][file]") {
  TempDir dir("gemv16");
  const fabric::FabricConfig config = testbench::SmallFabric(16, 16);
  const plan::Plan p = runtime::BuildGemvPlan(Gemv(64, 64), config);
  REQUIRE(p.tiles.size() == 256);
  plan::WritePlanDir(p, dir.path.string());
  std::ifstream in(dir / "plan.toml");
  int entries = 0;
  for (std::string line; std::getline(in, line);) entries += line == "[[tiles]]";
  CHECK(entries <= 32);  // a column's tiles share an entry, its last row apart
  CHECK(plan::ReadPlanFile(dir / "plan.toml") == p);
}

TEST_CASE("the example plan reads, round-trips and runs right", "[plan][file]") {
  const plan::Plan p = plan::ReadPlanFile(kExample + "/plan.toml");
  CHECK(p.kernel == "scaled_dot");
  CHECK(p.region == plan::Region{2, 1, 4, 1});
  REQUIRE(p.tiles.size() == 4);
  CHECK(p.tiles[3].program.params.at("LAST") == 1);
  CHECK(p.tiles[0].raw[0].bytes == std::vector<uint8_t>{0, 0, 0, 0x3f});
  CHECK(p.reference.size() == 65);
  const fabric::FabricConfig config = testbench::SmallFabric(8, 8);
  plan::LowerOptions options;
  options.program_dir = kExample;
  const runtime::KernelResult r = RunFast(plan::Lower(p, config, options), config);
  INFO(r.check << " " << r.stop_reason);
  CHECK(r.correct);
  CHECK(r.max_abs_err == 0);

  TempDir dir("example");
  plan::WritePlanDir(p, dir.path.string(), kExample);
  CHECK(fs::is_regular_file(dir / "scaled_dot.s"));
  const plan::Plan back = plan::ReadPlanFile(dir / "plan.toml");
  CHECK(back == p);
}

TEST_CASE("a broken plan file says file:line: key: reason", "[plan][file]") {
  TempDir dir("bad_plan");
  for (const char* f : {"u.npy", "v.npy", "s.npy", "z.npy", "scaled_dot.s"}) {
    fs::copy_file(kExample + "/" + f, dir / f);
  }
  std::ifstream in(kExample + "/plan.toml");
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  struct Case {
    std::string from, to;  // the edit to the good file
    int dline;             // the line named, from the edit's
    std::string expect;    // after "FILE:LINE:"
  };
  const std::vector<Case> cases = {
      {"x0 = 2\n", "x0 = 2\nx00 = 1\n", 1, " region.x00: unknown key \\(known: x0, y0, width, height\\)"},
      {"width = 4\n", "width = \"4\"\n", 0, " region.width: expected an integer, got a string"},
      {"width = 4\n", "", -3, " region.width: missing key"},
      {"y0 = 1\n", "y0 = -1\n", 0, " region.y0: -1 is outside 0..65535"},
      {"tile = [3, 0]\n", "tile = [4, 0]\n", 0, " tiles\\[3\\].tile: tile \\(4,0\\) is outside the 4x1 region"},
      {"tile = [3, 0]\n", "tile = [2, 0]\n", 0,
       " tiles\\[3\\].tile: tile \\(2,0\\) is given twice \\(also by tiles\\[2\\] at line [0-9]+\\)"},
      {"col0 = 48, cols = 16", "col0 = 56, cols = 16", 0, " tiles\\[3\\].shards\\[0\\].cols: 16 is outside 0..8"},
      {"tensor = \"v\", addr = 132, col0 = 16", "tensor = \"w\", addr = 132, col0 = 16", 0,
       " tiles\\[1\\].shards\\[0\\].tensor: unknown tensor 'w'"},
      {"v = \"v.npy\"", "v = \"missing.npy\"", 0, " tensors.v: .*missing.npy: cannot open the file: No such file or directory$"},
      {"v = \"v.npy\"", "v = \"scaled_dot.s\"", 0, " tensors.v: .*scaled_dot.s: not an .npy file \\(bad magic\\)$"},
      {"dtype = \"fp32\" }", "dtype = \"bf16\" }", 0, " tensors.u.dtype: 'bf16': must be one of fp32, fp16"},
      {"dtype = \"fp32\" }", "dtype = \"f8\" }", 0, " tensors.u.dtype: 'f8': must be one of fp32, fp16"},
      {"{ color = 1, from = [\"west\"]", "{ color = 1, from = [\"wets\"]", 0,
       " tiles\\[1\\].routes\\[1\\].from: ports are north, east, south, west and core"},
      {"{ color = 1, from = [\"west\"]", "{ color = 40, from = [\"west\"]", 0,
       " tiles\\[1\\].routes\\[1\\].color: 40 is outside 0..31"},
      {"program = \"scaled_dot.s\"   #", "program = \"nothere.s\"   #", 0,
       " tiles\\[0\\].program: 'nothere.s' is neither built in nor a file beside the plan"},
      {"{ tile = [1, 0], side = \"north\"", "{ tile = [1, 0], side = \"east\"", 0,
       " inputs\\[0\\].streams\\[1\\].side: tile \\(1,0\\)'s east side faces tile \\(2,0\\) of the region"},
      {"name = \"u\"", "name = \"q\"", 0, " inputs\\[0\\].name: no tensor 'q'"},
      {"offset = 48, count = 16 },\n]\n\n[[outputs]]", "offset = 48, count = 17 },\n]\n\n[[outputs]]", 0,
       " inputs\\[0\\].streams\\[3\\].count: 17 is outside 0..16"},
      {"{ tile = [3, 0], addr = 256, offset = 48", "{ tile = [3, 0], addr = 256, offset = 40", -8,
       " outputs\\[1\\]: element 40 of 'z' comes from 2 streams and SRAM segments \\(one wanted\\)"},
      {"tolerance = { abs = 1e-6, rel = 1e-6 }", "tolerance = { absolute = 1e-6 }", 0,
       " outputs\\[0\\].tolerance.absolute: unknown key \\(known: abs, rel\\)"},
      {"expected = \"s.npy\"", "expected = \"z.npy\"\nsize = 1", 1,
       " outputs\\[0\\].size: 1 elements, but expected has 64"},
      {"kernel = \"scaled_dot\"", "kernel = \"scaled_dot", 0, "[0-9]+: .*"},
      {"kernel = \"scaled_dot\"\n", "", -6, " kernel: missing key"},
      {"[cost]", "[costs]", 0, " costs: unknown key \\(known: kernel, description"},
  };
  for (const auto& c : cases) {
    const size_t at = good.find(c.from);
    REQUIRE(at != std::string::npos);
    std::string text = good;
    text.replace(at, c.from.size(), c.to);
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) +
                     c.dline;
    WriteBytes(dir / "plan.toml", text);
    const std::string e = ErrorOf([&] { plan::ReadPlanFile(dir / "plan.toml"); });
    INFO(c.from << " -> " << c.to << "\n" << e);
    CHECK(std::regex_search(e, std::regex(std::string("^").append(dir / "plan.toml") + ":" + std::to_string(line) + ":" + c.expect)));
    CHECK(e.find('\n') == std::string::npos);
  }
  // A file beside the plan named like a built-in program must be that program.
  fs::create_directories(dir.path / "kernels");
  WriteBytes(dir / "kernels/halt.s", "        halt\n        halt\n");
  std::string text = good;
  text.replace(text.find("program = \"scaled_dot.s\"   #"), 24, "program = \"kernels/halt.s\"");
  WriteBytes(dir / "plan.toml", text);
  CHECK(std::regex_search(ErrorOf([&] { plan::ReadPlanFile(dir / "plan.toml"); }),
                          std::regex("tiles\\[0\\].program: .*kernels/halt.s differs from the built-in program")));
}
