"""A role badge is an element of its own that no name can imitate, never words appended to the name's text.

The browser tests (tests/frontend, Chromium) check the rendering; this checks the scripts themselves, so it runs
everywhere: no script writes a role next to a name as text, and the shared badge helper renders the role from
the payload's ``role`` field as a separate element, with textContent only.
"""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"
# A quoted string that puts a role word after a badge-like separator: " · mentor", "(mentor)", " - mentor".
ROLE_AS_TEXT = re.compile(
    r"""["'`][^"'`\n]*(?:·|\(|\[|\s-)\s*(?:mentor|facilitator|moderator|staff)\b""", re.IGNORECASE
)


def scripts():
    return {path.name: path.read_text() for path in STATIC.glob("*.js")}


def test_no_script_writes_a_role_into_a_name():
    found = {name: ROLE_AS_TEXT.findall(source) for name, source in scripts().items()}
    assert not {name: hits for name, hits in found.items() if hits}


def test_badges_are_separate_elements_built_from_the_role_field():
    sources = scripts()
    badge = sources["badge.js"]
    assert re.search(r"className = [\"`]badge", badge) and ".textContent = " in badge and "innerHTML" not in badge
    for page in ("room.js", "sessions.js", "moderation.js"):
        assert 'from "./badge.js"' in sources[page], f"{page} renders roles with the shared badge"
    assert re.search(r"^\.badge\s*\{", (STATIC / "app.css").read_text(), re.MULTILINE), "styled in app.css"
    assert not [name for name, source in sources.items() if "innerHTML" in source or ".style." in source]
