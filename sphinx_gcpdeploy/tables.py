"""The tables the extension writes into pages (a recipe's parameters, the rules),
built one way so they look and wrap alike (see ``static/gcpdeploy.css``)."""

from __future__ import annotations

from docutils import nodes


def paragraph(*children: nodes.Node | str) -> nodes.paragraph:
    """A paragraph of ``children``, text given as plain strings."""
    made = nodes.paragraph()
    for child in children:
        made += nodes.Text(child) if isinstance(child, str) else child
    return made


def table(
    name: str, widths: list[int], headings: list[str], rows: list[list[nodes.Node]]
) -> nodes.table:
    """A table with the class ``name``, columns of the given relative widths, a
    heading row, and one row a list of cells, each cell a paragraph or block."""
    made = nodes.table(classes=[name, "colwidths-given"])
    group = nodes.tgroup(cols=len(headings))
    made += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head += _row([paragraph(heading) for heading in headings])
    body = nodes.tbody()
    group += body
    for cells in rows:
        body += _row(cells)
    return made


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += nodes.entry("", cell)
    return row
