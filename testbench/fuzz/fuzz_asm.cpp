// The assembler (firmware/asm): any text either assembles or is refused with an AsmError
// ("file:line:column: error: ..."); the program it gives is listed as `wafersim asm --listing`
// does.
#include <cstdint>
#include <string>

#include "asm/assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace as = wafersim::assembler;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto program = as::AssembleText(text, "fuzz.s");
    (void)as::Listing(program);
  } catch (const as::AsmError&) {
  }
  return 0;
}
