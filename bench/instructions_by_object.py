#!/usr/bin/env python3
"""Self cost (instructions) per shared object and per function, from a
callgrind output file such as bench/instructions_per_call.sh leaves.

  bench/instructions_by_object.py CALLGRIND_FILE CALLS [TOP_FUNCTIONS=30]

CALLS divides every figure (use the calls completed in the profiled window,
e.g. the count of a function that runs once per call). Cost lines that
follow a `calls=` line are a callee's inclusive cost and are skipped, so
each instruction is counted once, in the function that executed it.
docs/benchmarks.md, "Issue 14, thirteenth pass", shows its output.
"""
import collections
import re
import sys


def main():
    path, calls = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    names = {"ob": {}, "fn": {}}

    def name(kind, text):
        # Name compression: "(id) name" defines, "(id)" refers.
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    by_object = collections.Counter()
    by_function = collections.Counter()
    obj = fn = None
    skip_next = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("ob="):
                obj = name("ob", line[3:])
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith("calls="):
                skip_next = True
            elif line[0].isdigit() or line[0] in "+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    by_object[obj] += int(parts[1])
                    by_function[(obj, fn)] += int(parts[1])
    total = sum(by_object.values())
    print(f"total {total}  per call {total // calls}")
    for obj, cost in by_object.most_common(15):
        print(f"{100 * cost / total:6.2f}% {cost // calls:8d}/call "
              f"{obj.rsplit('/', 1)[-1]}")
    print()
    for (obj, fn), cost in by_function.most_common(top):
        print(f"{100 * cost / total:6.2f}% {cost // calls:7d}/call "
              f"{obj.rsplit('/', 1)[-1][:22]:22s} {fn[:110]}")


if __name__ == "__main__":
    main()
