#!/bin/sh
echo "bazel coverage is not available offline; use gcovr" >&2
exit 1
