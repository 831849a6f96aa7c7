#!/usr/bin/env python3
"""The library stands apart from the tool, checked on its sources:

    library_check.py --library FILE... --tool FILE...

Fails (exit 1, each offence on a line) if a library file includes one of
the tool's headers (tool.h, console.h, comm_open.h, or the header of a
tool source) or writes to stdout or stderr itself: the library leaves its
messages in lp_last_error() for the caller to print.  A library function
may still write to a FILE its caller hands it (lp_sched_list).
"""
import os
import re
import sys

PRINTS = re.compile(r"\bstderr\b|\bstdout\b|(?<![\w.])printf\s*\(|(?<![\w.])puts\s*\(|"
                    r"\bperror\s*\(|\bputchar\s*\(")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def code_only(text):
    """The text without comments and string contents (their words are not calls)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def main():
    args = sys.argv[1:]
    if "--library" not in args or "--tool" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    lib = args[args.index("--library") + 1:args.index("--tool")]
    tool = args[args.index("--tool") + 1:]
    tool_headers = {"tool.h", "console.h", "comm_open.h"}
    tool_headers |= {os.path.splitext(os.path.basename(f))[0] + ".h" for f in tool}
    bad = []
    for path in lib:
        with open(path) as f:
            text = f.read()
        for name in INCLUDE.findall(text):
            if os.path.basename(name) in tool_headers:
                bad.append(f"{path}: includes the tool's {name}")
        for n, line in enumerate(code_only(text).splitlines(), 1):
            if PRINTS.search(line):
                bad.append(f"{path}:{n}: writes to stdout or stderr: {line.strip()}")
    for line in bad:
        print(line)
    print(f"{len(lib)} library files: " + ("PASS" if not bad else f"{len(bad)} offences"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
