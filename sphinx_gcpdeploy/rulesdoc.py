"""The ``gcpdeploy-rules`` directive: the rules page, rendered from the rules
themselves.

Each rule carries its summary, explanation, upstream bug reports and a bad and a
good example (see :class:`~sphinx_gcpdeploy.findings.Rule`). The directive lays
them out by topic, runs each bad example through the checks to quote the finding
it gives, and builds plain docutils nodes, so the page needs no builder-specific
code.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from .findings import RULES, Finding, Rule
from .tables import paragraph, table

#: Topics in the order the page shows them; any other topic follows, then "Other".
TOPIC_ORDER = (
    "Reading the file",
    "Actions and their inputs",
    "References between steps and jobs",
    "Cloud Run names and places",
    "Environment variables, secrets and labels",
    "The worker pattern",
    "Authentication and security",
)

_KIND_WORDS = {
    "github-steps": "a list of steps",
    "github-workflow": "a complete workflow",
}


def rules_by_topic(rules: dict[str, Rule]) -> list[tuple[str, list[Rule]]]:
    """The rules grouped by topic, topics in page order, rules in declared order."""
    groups: dict[str, list[Rule]] = {}
    for declared in rules.values():
        groups.setdefault(declared.topic, []).append(declared)

    def place(topic: str) -> tuple[int, int, str]:
        if topic in TOPIC_ORDER:
            return (0, TOPIC_ORDER.index(topic), topic)
        return (2 if topic == "Other" else 1, 0, topic)

    return [(topic, groups[topic]) for topic in sorted(groups, key=place)]


def example_finding(declared: Rule) -> Finding | None:
    """The finding the rule's bad example gives, if it gives one of this rule."""
    if declared.bad is None:
        return None
    from .checks import check_text

    found = [item for item in check_text(declared.bad, declared.kind)]
    return next((item for item in found if item.rule == declared.id), None)


def upstream_uri(reference: str) -> str:
    """``owner/repo#123`` as the address of that issue on GitHub."""
    repository, _, number = reference.partition("#")
    return f"https://github.com/{repository}/issues/{number}"


def _example(text: str, caption: str, line: int | None) -> list[nodes.Node]:
    block = nodes.literal_block(text, text, language="yaml")
    if line is not None:
        block["highlight_args"] = {"hl_lines": [line]}
        # A bad example may be broken YAML on purpose; highlight it as far as
        # the lexer gets instead of warning about it.
        block["force"] = True
    return [paragraph(nodes.emphasis(caption, caption)), block]


def rule_section(declared: Rule, document: nodes.document) -> nodes.section:
    """One rule as a section titled with its id."""
    section = nodes.section(ids=[f"rule-{nodes.make_id(declared.id)}"])
    section["names"].append(nodes.fully_normalize_name(declared.id))
    section += nodes.title("", "", nodes.literal(declared.id, declared.id))
    level = "an error" if declared.level == "error" else "a warning"
    section += paragraph(
        nodes.strong(declared.summary, declared.summary),
        nodes.Text(f" A finding of this rule is {level}."),
    )
    if declared.explanation:
        section += paragraph(nodes.Text(declared.explanation))
    if declared.upstream:
        reports = paragraph(nodes.Text("It prevents the bugs reported in "))
        for index, reference in enumerate(declared.upstream):
            if index:
                last = index == len(declared.upstream) - 1
                reports += nodes.Text(" and " if last else ", ")
            reports += nodes.reference(
                reference, reference, refuri=upstream_uri(reference)
            )
        reports += nodes.Text(".")
        section += reports
    if declared.bad is not None and declared.good is not None:
        section += _examples(declared)
    document.note_implicit_target(section, section)
    return section


def _examples(declared: Rule) -> list[nodes.Node]:
    kind = _KIND_WORDS.get(declared.kind, declared.kind)
    found = example_finding(declared)
    where = f" (line {found.line}, column {found.column})" if found else ""
    result = _example(
        declared.bad or "",
        f"Caught, checked as {kind}{where}:",
        found.line if found else None,
    )
    if found is not None:
        result.append(
            nodes.block_quote(
                "", paragraph(nodes.Text(f"{declared.id}: {found.message}"))
            )
        )
    result.extend(_example(declared.good or "", "Passes:", None))
    return result


def summary_table(rules: list[Rule]) -> nodes.table:
    """A table of every rule: its id (a link to its section), level and summary."""
    rows: list[list[nodes.Node]] = []
    for declared in rules:
        link = nodes.reference(
            "",
            "",
            nodes.literal(declared.id, declared.id),
            refid=f"rule-{nodes.make_id(declared.id)}",
        )
        rows.append(
            [paragraph(link), paragraph(declared.level), paragraph(declared.summary)]
        )
    return table(
        "gcpdeploy-rules", [25, 10, 65], ["Rule", "Level", "Checks that"], rows
    )


class RulesDirective(SphinxDirective):
    """``.. gcpdeploy-rules::`` lists every rule, one section per topic and rule.

    ``:topics:`` limits the page to a comma-separated list of topics; ``:no-table:``
    leaves out the summary table.
    """

    has_content = False
    option_spec: ClassVar[OptionSpec] = {
        "topics": directives.unchanged,
        "no-table": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        # The page shows what the checks find, so it is rebuilt with the code.
        self.env.note_dependency(__file__)
        from . import checks  # noqa: F401  (declares the rules of every check)

        groups = rules_by_topic(RULES)
        wanted = self.options.get("topics")
        if wanted:
            names = {item.strip() for item in wanted.split(",")}
            groups = [(topic, rules) for topic, rules in groups if topic in names]
        result: list[nodes.Node] = []
        if "no-table" not in self.options:
            result.append(
                summary_table([item for _, rules in groups for item in rules])
            )
        for topic, rules in groups:
            section = nodes.section(ids=[f"topic-{nodes.make_id(topic)}"])
            section["names"].append(nodes.fully_normalize_name(topic))
            section += nodes.title(topic, topic)
            for declared in rules:
                section += rule_section(declared, self.state.document)
            self.state.document.note_implicit_target(section, section)
            result.append(section)
        return result


def setup_rulesdoc(app: Sphinx) -> dict[str, Any]:
    """Register the ``gcpdeploy-rules`` directive."""
    app.add_directive("gcpdeploy-rules", RulesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
