#!/usr/bin/env python3
"""The library stands apart from the tool, checked on their folders:

    library_check.py --library DIR... --tool DIR...

Fails (exit 1, each offence on a line) if
- a library file includes one of the tool's headers (a header in a tool
  folder), or writes to stdout or stderr itself: the library leaves its
  messages in lp_last_error() for the caller to print;
- a tool file includes one of the library's headers other than
  lp_starpu_advanced.h, the one declared for what the tool needs beyond
  the public lp_starpu.h.
The build enforces the first rule's includes too (no tool folder is on the
library's include path); the second needs this check, since the tool's
include path has the library's folder, for the advanced header.
"""
import os
import re
import sys

PRINTS = re.compile(r"\bstderr\b|\bstdout\b|(?<![\w.])printf\s*\(|(?<![\w.])puts\s*\(|"
                    r"\bperror\s*\(|\bputchar\s*\(")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = (".c", ".h", ".cu", ".cl")
ADVANCED = "lp_starpu_advanced.h"


def code_only(text):
    """The text without comments and string contents (their words are not calls)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def files_in(dirs):
    return sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d) if f.endswith(SOURCES))


def headers(paths):
    return {os.path.basename(p) for p in paths if p.endswith(".h")}


def main():
    args = sys.argv[1:]
    if "--library" not in args or "--tool" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    lib = files_in(args[args.index("--library") + 1:args.index("--tool")])
    tool = files_in(args[args.index("--tool") + 1:])
    if not lib or not tool:
        print("no library or no tool files found", file=sys.stderr)
        return 2
    tool_headers, lib_headers = headers(tool), headers(lib) - {ADVANCED}
    bad = []
    for path in lib + tool:
        with open(path) as f:
            text = f.read()
        mine, theirs = (tool_headers, "tool") if path in lib else (lib_headers, "library")
        for name in INCLUDE.findall(text):
            if os.path.basename(name) in mine:
                bad.append(f"{path}: includes the {theirs}'s {name}"
                           + (f" (not {ADVANCED})" if theirs == "library" else ""))
        if path in lib and path.endswith(".c"):
            for n, line in enumerate(code_only(text).splitlines(), 1):
                if PRINTS.search(line):
                    bad.append(f"{path}:{n}: writes to stdout or stderr: {line.strip()}")
    for line in bad:
        print(line)
    print(f"{len(lib)} library files, {len(tool)} tool files: "
          + ("PASS" if not bad else f"{len(bad)} offences"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
