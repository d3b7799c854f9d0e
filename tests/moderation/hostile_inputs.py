"""Long inputs shaped to make regexes backtrack.

tests/moderation/test_rules.py counts the work they cause; bench/pipeline_bench.py --hostile times them:
speed is measured in benchmarks, not asserted in timed tests.
"""

HOSTILE = [
    "you " * 2000,
    "a" * 9000,
    "your so " * 1000 + "!",
    "my friend " + "Aa " * 3000,
    "1-" * 4000,
    "x@" * 3000,
    "+1 " * 3000,
]
