# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the docsite pages (docs/docsite/rst/*.rst) from the guides in docs/*.md.

The Markdown guides stay the source (GitHub shows them, the README links them);
antsibull-docs wants reStructuredText, so this renders every guide docs/<name>.md
to docs/docsite/rst/<name>.rst and lists the pages in docs/docsite/extra-docs.yml
(FIRST_GUIDES first, then the others by name):

    python scripts/docsite_rst.py            # rewrite the pages and extra-docs.yml
    python scripts/docsite_rst.py --check    # exit 1 when one of them is not up to date

Links to another guide or to a heading become :ref: links to the page's labels
(ansible_collections.edgeops.cloudflare.docsite.<name>[.<heading anchor>]);
links to other files of the repository point to the repository on GitHub.
Needs markdown-it-py and Pygments (both in the ansible-core 2.19 test venv).
"""

from __future__ import annotations

import argparse
import posixpath
import re
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from pygments.filters import ErrorToken
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RST_DIR = DOCS / "docsite" / "rst"
REPOSITORY = "https://github.com/edgeops/cloudflare/blob/main/"
LABEL_PREFIX = "ansible_collections.edgeops.cloudflare.docsite."
EXTRA_DOCS = DOCS / "docsite" / "extra-docs.yml"
FIRST_GUIDES = ("awx", "emulator", "faults", "benchmark")
# Guide name (docs/<name>.md) -> docsite page (docs/docsite/rst/<name>.rst).
GUIDES = tuple(sorted((path.stem for path in DOCS.glob("*.md")),
                      key=lambda name: (FIRST_GUIDES.index(name) if name in FIRST_GUIDES else len(FIRST_GUIDES), name)))
UNDERLINES = {1: "=", 2: "-", 3: "~", 4: "^", 5: '"', 6: "'"}
LEXERS = {"": "text", "console": "console", "bash": "bash", "sh": "bash", "yaml": "yaml",
          "yml": "yaml", "python": "python", "json": "json", "ini": "ini", "text": "text"}
# Characters that may stand right before / after inline markup in reStructuredText.
BEFORE_MARKUP = set(" \t\n-:/'\"<([{")
AFTER_MARKUP = set(" \t\n-.,:;!?\\/'\")]}>")


def github_anchor(text):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    anchor = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return anchor.replace(" ", "-")


def lexes(language, code):
    """Whether Pygments reads ``code`` as ``language`` without an error token (as Sphinx requires)."""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return False
    lexer.add_filter("raiseonerror")
    try:
        for _token in lexer.get_tokens(code):
            pass
    except ErrorToken:
        return False
    return True


def plain_text(node):
    """The text of an inline node and its children, without markup."""
    if node.type in ("text", "code_inline", "html_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(plain_text(child) for child in node.children)


def escape(text):
    """Text that reStructuredText shows as it is."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*`|])", r"\\\1", text)
    return re.sub(r"_(?=\W|$)", r"\\_", text)


def literal(text):
    """An inline literal (``text``); fall back to an escaped :literal: role when needed."""
    if "``" in text or text != text.strip() or not text:
        return ":literal:`%s`" % text.replace("\\", "\\\\").replace("`", "\\`")
    return "``%s``" % text


def join_segments(segments):
    """Join (is_markup, text) pieces, separating markup from adjacent word characters."""
    out = ""
    previous_markup = False
    for is_markup, text in segments:
        if not text:
            continue
        if out and (is_markup and out[-1] not in BEFORE_MARKUP or previous_markup and text[0] not in AFTER_MARKUP):
            out += "\\ "
        out += text
        previous_markup = is_markup
    return out


class Page:
    """One guide rendered to reStructuredText."""

    def __init__(self, name):
        self.name = name
        self.source = DOCS / ("%s.md" % name)
        self.parser = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.tree = SyntaxTreeNode(self.parser.parse(self.source.read_text(encoding="utf-8")))
        self.anchors = self._used_anchors()

    def label(self, anchor=None, page=None):
        return LABEL_PREFIX + (page or self.name) + ("." + anchor if anchor else "")

    def _used_anchors(self):
        """{(page, anchor)} of every link into a guide's heading, in all guides."""
        used = set()
        for name in GUIDES:
            text = (DOCS / ("%s.md" % name)).read_text(encoding="utf-8")
            for target in re.findall(r"\]\(([^)\s]*)\)", text):
                page, anchor = self._guide_link(target, name)
                if page and anchor:
                    used.add((page, anchor))
        return used

    @staticmethod
    def _guide_link(href, current):
        """(page, anchor) when href points into one of the guides, else (None, None)."""
        if href.startswith("#"):
            return current, href[1:]
        path, anchor = (href.split("#", 1) + [""])[:2]
        if not path.endswith(".md") or "://" in path:
            return None, None
        name = posixpath.basename(path)[:-3]
        if posixpath.normpath(posixpath.join("docs", path)) != "docs/%s.md" % name or name not in GUIDES:
            return None, None
        return name, anchor or None

    # ------------------------------------------------------------------ inline

    def inline(self, node):
        return join_segments(self._segments(node))

    def _segments(self, node):
        segments = []
        for child in node.children:
            kind = child.type
            if kind == "text":
                segments.append((False, escape(child.content)))
            elif kind in ("softbreak", "hardbreak"):
                segments.append((False, " "))
            elif kind == "code_inline":
                segments.append((True, literal(child.content)))
            elif kind in ("strong", "em"):
                text = escape(plain_text(child)).strip()
                mark = "**" if kind == "strong" else "*"
                segments.append((True, "%s%s%s" % (mark, text, mark) if text else ""))
            elif kind == "link":
                segments.append((True, self.link(child)))
            elif kind == "image":
                segments.append((False, escape(plain_text(child))))
            else:
                raise ValueError("%s: unsupported inline element %s" % (self.source.name, kind))
        return segments

    def link(self, node):
        href = node.attrs.get("href", "")
        text = plain_text(node).strip()
        page, anchor = self._guide_link(href, self.name)
        if page:
            return ":ref:`%s <%s>`" % (self._ref_text(text), self.label(anchor, page))
        if "://" not in href and not href.startswith("mailto:"):
            href = REPOSITORY + posixpath.normpath(posixpath.join("docs", href))
        return "`%s <%s>`__" % (self._ref_text(text), href)

    @staticmethod
    def _ref_text(text):
        return text.replace("\\", "\\\\").replace("`", "\\`").replace("<", "\\<")

    # ------------------------------------------------------------------ blocks

    def render(self):
        lines = [
            "..",
            "  Generated from docs/%s.md by scripts/docsite_rst.py: edit the Markdown guide," % self.name,
            "  then run `python scripts/docsite_rst.py`.",
            "",
            ".. _%s:" % self.label(),
            "",
        ]
        for block in self.tree.children:
            lines += self.block(block) + [""]
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"

    def block(self, node):
        handler = getattr(self, "block_" + node.type, None)
        if handler is None:
            raise ValueError("%s: unsupported block %s (line %s)" % (self.source.name, node.type, node.map))
        return handler(node)

    def blocks(self, nodes):
        lines = []
        for node in nodes:
            if lines:
                lines.append("")
            lines += self.block(node)
        return lines

    def block_heading(self, node):
        level = int(node.tag[1:])
        title = self.inline(node.children[0])
        lines = []
        anchor = github_anchor(plain_text(node.children[0]))
        if level > 1 and (self.name, anchor) in self.anchors:
            lines += [".. _%s:" % self.label(anchor), ""]
        return lines + [title, UNDERLINES[level] * len(title)]

    def block_paragraph(self, node):
        text = self.inline(node.children[0]).strip()
        # A paragraph that starts like a list item, a comment or a section line stays a paragraph.
        if re.match(r"(\(?[0-9a-zA-Z#]+[.)]|[-+*]|\.\.)(\s|$)|([=\-~^'\"])\1\1", text):
            text = "\\" + text
        return [text]

    def block_fence(self, node):
        language = node.info.strip().split()[0] if node.info.strip() else ""
        lexer = LEXERS.get(language, "text")
        content = node.content.rstrip("\n")
        if not lexes(lexer, content):
            lexer = "text"  # Sphinx warns about a block its lexer cannot read
        return [".. code-block:: %s" % lexer, ""] + [("   " + line).rstrip() for line in content.split("\n")]

    block_code_block = block_fence

    def _list(self, node, marker):
        lines = []
        for number, item in enumerate(node.children, start=int(node.attrs.get("start", 1))):
            bullet = marker(number)
            body = self.blocks(item.children) or [""]
            if lines:
                lines.append("")
            lines.append(bullet + body[0])
            lines += [(" " * len(bullet) + line).rstrip() for line in body[1:]]
        return lines

    def block_bullet_list(self, node):
        return self._list(node, lambda _number: "- ")

    def block_ordered_list(self, node):
        return self._list(node, lambda number: "%d. " % number)

    def block_blockquote(self, node):
        return [("   " + line).rstrip() for line in self.blocks(node.children)]

    def block_table(self, node):
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for section in node.children:
            for row in section.children:
                cells = [self.inline(cell.children[0]).strip() if cell.children else "" for cell in row.children]
                lines.append("   * - " + cells[0] if cells[0] else "   * -")
                lines += ["     - " + cell if cell else "     -" for cell in cells[1:]]
        return lines


def extra_docs():
    """docs/docsite/extra-docs.yml: one section holding every page."""
    return "\n".join([
        "---",
        "# The guides of the collection's docsite, one page each: docs/docsite/rst/<name>.rst,",
        "# written with this file from docs/<name>.md by scripts/docsite_rst.py.",
        "sections:",
        "  - title: Guides",
        "    toctree:",
    ] + ["      - %s" % name for name in GUIDES]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the pages are up to date")
    args = parser.parse_args(argv)
    stale = []
    wanted = {RST_DIR / ("%s.rst" % name): Page(name).render() for name in GUIDES}
    wanted[EXTRA_DOCS] = extra_docs()
    for target, text in wanted.items():
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.relative_to(ROOT))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    for orphan in sorted(set(RST_DIR.glob("*.rst")) - set(wanted)):  # its guide is gone
        stale.append(orphan.relative_to(ROOT))
        if not args.check:
            orphan.unlink()
    if args.check and stale:
        sys.stderr.write("not up to date with docs/*.md: %s\nrun: python scripts/docsite_rst.py\n"
                         % ", ".join(str(path) for path in stale))
        return 1
    for path in stale:
        sys.stdout.write("updated %s\n" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
