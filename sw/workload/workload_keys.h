// The workload description's keys: each documented once (key, flag, default, unit, meaning), read
// from a TOML file and/or flags. A file looks like
//
//   [model]
//   preset = "llama3-8b"    # a preset to start from; its keys below override it
//   kv_heads = 4
//   [run]
//   phase = "decode"
//   context = 4096
//
// Every key is also a flag (run.context is --context, model.kv_heads is --kv-heads; model.preset
// is --model, model.layers is --model-layers). What applies, in order: the preset (--model, else
// the file's model.preset, else llama3-8b; none when model keys are given without a preset: a
// model "custom" that names every dimension), the file's keys, then the flags. A wrong value is
// reported where it was given: "--context 0: must be in 1..8191 ..." or
// "my.toml:7: model.kv_heads 5: must divide the heads (32): grouped-query attention".
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "workload/workload.h"

namespace wafersim::workload {

/// One documented key.
struct WorkloadKey {
  std::string key;       ///< "section.name" as written in the TOML file
  std::string flag;      ///< the command-line flag, "--context"
  std::string fallback;  ///< the default, as text ("preset" for the model's dimensions)
  std::string unit;
  std::string meaning;
};
const std::vector<WorkloadKey>& WorkloadKeys();

/// A value as given: integers, booleans and strings (the keys' types).
using KeyValue = std::variant<int64_t, bool, std::string>;
std::string KeyValueText(const KeyValue& v);

/// One key given a value, and where: a flag ("--context") or a file's line ("my.toml:7").
struct Setting {
  std::string key;
  KeyValue value;
  std::string origin;
};

/// Reads a TOML workload file. Syntax errors, unknown keys and values of the wrong type throw
/// std::invalid_argument with "file:line: key ...". Values are checked by ResolveWorkload.
std::vector<Setting> ReadWorkloadFile(const std::string& path);
/// `text`, given with `key`'s flag, as a value of the key's type; throws std::invalid_argument
/// "--flag text: must be an integer" (or a boolean).
Setting FlagSetting(const std::string& key, const std::string& text);
/// The workload the settings describe (preset, then the file's, then the flags'), validated.
/// Throws std::invalid_argument naming where the offending value was given.
Workload ResolveWorkload(const std::vector<Setting>& file, const std::vector<Setting>& flags);
/// ResolveWorkload(ReadWorkloadFile(path), {}).
Workload LoadWorkload(const std::string& path);

}  // namespace wafersim::workload
