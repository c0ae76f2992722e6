// libsystemc carries a main() that calls sc_main(). wafersim's programs have their own main()
// and run the kernel with sc_start(), so this is never called; the linker still needs it.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) { return 1; }
