// Strict SDFormat check of world and model files with libsdformat's own parser.
//
// Usage: pepa-sdf-check FILE...
// Every file is loaded with sdf::Root::Load; unrecognised elements, warnings and deprecated
// elements are errors (libsdformat accepts the first two by default). Prints one line per
// error, "FILE: message", and "ok FILE worlds=N models=M" for a clean file; exits 1 if any
// file has an error, 2 on a usage error.
#include <iostream>

#include <sdf/ParserConfig.hh>
#include <sdf/Root.hh>
#include <sdf/World.hh>

int main(int argc, char **argv)
{
  if (argc < 2)
  {
    std::cerr << "usage: " << argv[0] << " FILE..." << std::endl;
    return 2;
  }
  sdf::ParserConfig config;
  config.SetWarningsPolicy(sdf::EnforcementPolicy::ERR);
  config.SetUnrecognizedElementsPolicy(sdf::EnforcementPolicy::ERR);
  config.SetDeprecatedElementsPolicy(sdf::EnforcementPolicy::ERR);
  int status = 0;
  for (int i = 1; i < argc; ++i)
  {
    sdf::Root root;
    const sdf::Errors errors = root.Load(argv[i], config);
    if (!errors.empty())
    {
      status = 1;
      for (const auto &error : errors)
        std::cout << argv[i] << ": " << error.Message() << std::endl;
      continue;
    }
    std::cout << "ok " << argv[i] << " worlds=" << root.WorldCount()
              << " models=" << (root.Model() ? 1 : 0) << std::endl;
  }
  return status;
}
