// Number formats (sw/common/dtype.h): canonical names round-trip, the older and longer names
// parse to the same formats, a name outside the allowed ones is refused naming where it came
// from, and JSON carries the canonical name.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/dtype.h"

using namespace wafersim;

TEST_CASE("each format's canonical name parses back to it", "[dtype]") {
  CHECK(DTypeNames() == std::vector<std::string>{"fp32", "tf32", "bf16", "fp16", "fp8"});
  for (DType t : kAllDTypes) {
    CHECK(ParseDType(DTypeName(t), "--dtype") == t);
    CHECK(std::string(DTypeMeaning(t)).size() > 0);
  }
  CHECK(DTypeBytes(DType::kFp32) == 4);
  CHECK(DTypeBytes(DType::kTf32) == 4);
  CHECK(DTypeBytes(DType::kBf16) == 2);
  CHECK(DTypeBytes(DType::kFp16) == 2);
  CHECK(DTypeBytes(DType::kFp8) == 1);
}

TEST_CASE("aliases name the same formats", "[dtype]") {
  for (const char* s : {"f32", "binary32"}) CHECK(FindDType(s) == DType::kFp32);
  for (const char* s : {"f16", "binary16", "half"}) CHECK(FindDType(s) == DType::kFp16);
  CHECK(FindDType("bfloat16") == DType::kBf16);
  CHECK(FindDType("e4m3") == DType::kFp8);
  for (const char* s : {"", "fp64", "FP32", "f8", "int8"}) CHECK_FALSE(FindDType(s).has_value());
}

TEST_CASE("a refused name says where it came from and which names are taken", "[dtype]") {
  CHECK_THROWS_WITH(ParseDType("fp64", "--dtype"), "--dtype fp64: must be one of fp32, tf32, bf16, fp16, fp8");
  const std::vector<DType> fabric = {DType::kFp32, DType::kFp16};
  CHECK(ParseDType("f16", "--dtype", fabric) == DType::kFp16);
  CHECK_THROWS_WITH(ParseDType("bf16", "--dtype", fabric), "--dtype bf16: must be one of fp32, fp16");
  CHECK_THROWS_WITH(ParseDType("f8", "tensors.u.dtype", fabric), "tensors.u.dtype f8: must be one of fp32, fp16");
}

TEST_CASE("JSON gives a format's canonical name", "[dtype]") {
  const nlohmann::json j = {{"dtype", DType::kFp16}};
  CHECK(j.dump() == R"({"dtype":"fp16"})");
}
