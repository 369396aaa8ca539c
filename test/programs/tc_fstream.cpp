// std::ifstream/ofstream/fstream in the sandbox (HPCG and many codes read inputs and write results with them):
// write, read back with getline and operator>>, append, seek/tell, binary, in|out, a failed open. Run with the
// working directory as sandbox root; leaves text.txt and data.bin for the test to check from outside.
// Prints "FAIL: ..." per failed check, and "OK tc_fstream" at the end.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

static int failures = 0;
#define CHECK(cond, what)                                          \
  do {                                                             \
    if (!(cond)) { std::cout << "FAIL: " << what << "\n"; failures++; } \
  } while (0)

int main() {
  {
    std::ofstream out("text.txt");
    CHECK(out.is_open(), "ofstream opens text.txt");
    out << "hpcg 104 104 104\n" << 3.5 << " " << -42 << "\n";
  }  // closed by the destructor
  {
    std::ifstream in("text.txt");
    std::string line;
    CHECK(std::getline(in, line) && line == "hpcg 104 104 104", "getline reads the first line, got '" << line << "'");
    double d = 0; int i = 0;
    CHECK(in >> d >> i && d == 3.5 && i == -42, "operator>> reads 3.5 -42, got " << d << " " << i);
    CHECK(!(in >> i) && in.eof(), "reading past the end sets eof");
  }
  {
    std::ofstream app("text.txt", std::ios::app);
    app << "appended\n";
  }
  {
    std::ifstream in("text.txt");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    CHECK(lines.size() == 3 && lines[2] == "appended", "append keeps the old lines and adds one, got " << lines.size());
    in.clear();
    in.seekg(0, std::ios::end);
    CHECK(in.tellg() == std::streampos(34), "tellg at the end is the file size 34, got " << in.tellg());
    in.seekg(5);
    std::string word;
    in >> word;
    CHECK(word == "104", "seekg(5) then >> reads 104, got '" << word << "'");
  }
  {
    std::vector<double> values(1000);
    for (size_t k = 0; k < values.size(); k++) values[k] = k * 0.25 - 7;
    std::ofstream bin("data.bin", std::ios::binary);
    bin.write(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(double));
    CHECK(bin.good(), "binary write");
    bin.close();
    std::ifstream back("data.bin", std::ios::binary);
    std::vector<double> read(1000);
    back.read(reinterpret_cast<char *>(read.data()), read.size() * sizeof(double));
    CHECK(back.gcount() == 8000 && read == values, "binary read back 8000 bytes, got " << back.gcount());
  }
  {
    std::fstream both("data.bin", std::ios::in | std::ios::out | std::ios::binary);
    double x = 1e300;
    both.seekp(8 * 10);
    both.write(reinterpret_cast<const char *>(&x), sizeof x);
    both.seekg(8 * 10);
    double y = 0;
    both.read(reinterpret_cast<char *>(&y), sizeof y);
    CHECK(y == 1e300, "fstream in|out: overwrite element 10 and read it back");
  }
  {
    std::ifstream missing("no-such-file.txt");
    CHECK(!missing.is_open() && missing.fail(), "opening a missing file fails");
    std::ifstream outside("/etc/passwd");
    CHECK(!outside.is_open(), "a path outside the sandbox does not open");
    std::ofstream bad("no-such-dir/x.txt");
    CHECK(!bad.is_open(), "creating a file in a missing directory fails");
  }
  {
    std::stringstream ss;
    ss << std::ifstream("text.txt").rdbuf();
    CHECK(ss.str().size() == 34, "rdbuf copies the whole file");
  }
  if (failures) return 1;
  std::cout << "OK tc_fstream" << std::endl;
  return 0;
}
