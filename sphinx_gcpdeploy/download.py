"""The ``:download:`` option: the rendered file, saved under the name a user would
give it, linked beside the snippet.

At read time the directive leaves a placeholder holding the file's name and text.
Once a page is resolved for an HTML builder, the file is written below the output
directory, at a path made from a digest of its text (so the same file is written
once and two builds write the same bytes), and the placeholder becomes a link.
Other builders drop the placeholder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

#: Classes of the paragraph that holds a download placeholder.
CLASS = "gcpdeploy-download"
FOLDER = "_downloads/gcpdeploy"


def placeholder(filename: str, text: str) -> nodes.paragraph:
    """The paragraph the directive puts after a snippet offered for download."""
    paragraph = nodes.paragraph(classes=[CLASS])
    paragraph["gcpdeploy_filename"] = filename
    paragraph["gcpdeploy_text"] = text
    return paragraph


def target(filename: str, text: str) -> str:
    """Where below the output directory the file is written."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{FOLDER}/{digest}/{filename}"


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if CLASS not in paragraph["classes"]:
            continue
        filename = paragraph["gcpdeploy_filename"]
        text = paragraph["gcpdeploy_text"]
        del paragraph["gcpdeploy_filename"], paragraph["gcpdeploy_text"]
        if app.builder.format != "html":
            paragraph.parent.remove(paragraph)
            continue
        path = target(filename, text)
        destination = Path(app.builder.outdir) / path
        if not destination.is_file() or destination.read_text("utf-8") != text:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, "utf-8")
        uri = relative_uri(app.builder.get_target_uri(docname), path)
        link = nodes.reference("", "", internal=False, refuri=uri)
        link["classes"].append("download")
        link += nodes.literal(filename, filename)
        paragraph += nodes.Text("Download ")
        paragraph += link


def setup_download(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", _resolve)
    return {}
