#pragma once
// A fresh directory under the system temp folder, removed at scope exit.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace exwire::journal::testing {

class temp_dir {
  public:
    explicit temp_dir(const std::string& stem = "exwire-journal") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
        if (mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

}  // namespace exwire::journal::testing
