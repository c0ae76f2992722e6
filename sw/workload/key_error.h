// A value that breaks a rule of the workload description, with the key it was given for. Whoever
// knows where the key came from (a flag, a line of a TOML file) rewrites the message to say so.
#pragma once

#include <stdexcept>
#include <string>

namespace wafersim::workload {

class KeyError : public std::invalid_argument {
 public:
  /// `key` as documented ("model.kv_heads"), `value` as given ("5"), `rule` as a phrase that reads
  /// after the value ("must divide the heads (32)"). what(): "model.kv_heads 5: must divide ...".
  KeyError(std::string key, std::string value, std::string rule)
      : std::invalid_argument(key + " " + value + ": " + rule),
        key_(std::move(key)),
        value_(std::move(value)),
        rule_(std::move(rule)) {}
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  const std::string& rule() const { return rule_; }

 private:
  std::string key_;
  std::string value_;
  std::string rule_;
};

}  // namespace wafersim::workload
