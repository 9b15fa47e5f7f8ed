# Writes each ```yaml block of a Markdown file that is a gateway config
# (its first key is a top-level key of the config file) to DIR/<NAME>-<n>.yaml
# and prints the path.
/^```yaml/ { inb = 1; n++; buf = ""; first = ""; next }
inb && /^```/ {
  inb = 0
  if (first ~ /^(primary_provider|fallback_chain|providers|budget|resilience|auth|tenants|connect_timeout_seconds|read_timeout_seconds|shutdown_grace_seconds|data_dir|http_port):/) {
    out = DIR "/" NAME "-" n ".yaml"; printf "%s", buf > out; close(out); print out
  }
  next
}
inb { buf = buf $0 "\n"; if (first == "" && $0 !~ /^[[:space:]]*(#|$)/) first = $0 }
