// The program loader (.bin, firmware/isa/program.h): any file either loads or is refused with
// std::invalid_argument naming it; a loaded program is listed as `wafersim disasm` does.
#include <cstdint>

#include "asm/assembler.h"
#include "fuzz_input.h"
#include "io/file_io.h"
#include "isa/program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = wafersim::fuzz::WriteInput("fuzz.bin", data, size);
  try {
    const auto program = wafersim::isa::LoadProgram(path);
    (void)wafersim::assembler::Listing(program);
    (void)program.DataEnd();
  } catch (const std::invalid_argument&) {
  } catch (const wafersim::io::FileError&) {
  }
  return 0;
}
