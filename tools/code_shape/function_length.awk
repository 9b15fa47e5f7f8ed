# Prints "<file>:<line>: function of <n> lines (limit MAX): <signature>" for
# every top-level function body longer than MAX lines in clang-formatted
# (Google style) C++: a definition starts on a line at column 0 whose
# declaration ends with "{" (possibly after continuation lines) and ends at the
# next "}" in column 0. Bodies of classes, namespaces and aggregates are not
# functions; members defined inside a class body are not measured (they are
# short by convention).
FNR == 1 { infn = 0; pend = 0 }
{
  line = $0
  if (!infn) {
    if (line ~ /^(namespace|class|struct|enum|union|extern|typedef|using|template|#)/) {
      pend = 0
    } else if (line ~ /^[A-Za-z~].*\)[^;=]*\{[ \t]*$/) {
      infn = 1; start = FNR; sig = line
    } else if (line ~ /^[A-Za-z~].*\([^;]*$/) {
      pend = FNR; psig = line
    } else if (pend && line ~ /^[ \t]+.*\)[^;=]*\{[ \t]*$/) {
      infn = 1; start = pend; sig = psig
    } else if (line !~ /^[ \t]/) {
      pend = 0
    }
  } else if (line ~ /^\}/) {
    len = FNR - start + 1
    if (len > MAX) {
      printf "%s:%d: function of %d lines (limit %d): %s\n", FILENAME, start,
             len, MAX, substr(sig, 1, 80)
    }
    infn = 0; pend = 0
  }
}
