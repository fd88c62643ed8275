"""Prints the generated blocks of a markdown file: every line from a
'<!-- BEGIN GENERATED ... -->' marker to its '<!-- END GENERATED ... -->'
marker, inclusive, in file order."""
import sys

inside = False
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("<!-- BEGIN GENERATED"):
        inside = True
    if inside:
        sys.stdout.write(line)
    if line.startswith("<!-- END GENERATED"):
        inside = False
