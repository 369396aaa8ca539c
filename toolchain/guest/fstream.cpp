// The explicit instantiations libc++ declares `extern template` in <fstream> and normally ships in libc++.so;
// Debian's wasm32 libc++.a was built without filesystem support and lacks them (see include/fstream).
#include <fstream>

_LIBCPP_BEGIN_NAMESPACE_STD
template class basic_filebuf<char>;
template class basic_ifstream<char>;
template class basic_ofstream<char>;
_LIBCPP_END_NAMESPACE_STD
