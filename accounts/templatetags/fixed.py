"""``{% fixed %}…{% endfixed %}``: markup that depends on nothing but the language, rendered
once per language and process instead of on every page.

A busy page's headings, labels and links are the same for everyone who reads it in one
language, but each ``{% translate %}`` and ``{% url %}`` costs the template engine about ten
microseconds on every request (issue 19). Inside the block only what cannot differ between two
requests in the same language is allowed: text, ``{% translate %}`` and ``{% blocktranslate %}``
of constant strings, ``{% url %}`` and ``{% static %}`` of constant arguments, comments.
Anything else (a variable, a condition, a CSRF token) is refused when the template is
compiled, so the block can never show one person what was rendered for another.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, TextNode, TokenType, Variable
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


class FixedNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        #: The block's markup by language, script prefix and URL configuration.
        self.rendered: dict[tuple[Any, ...], SafeString] = {}

    def render(self, context: template.Context) -> SafeString:
        key = (get_language(), get_script_prefix(), get_urlconf(), context.autoescape)
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the engine, escaped there
        return html


@register.tag
def fixed(parser: template.base.Parser, token: template.base.Token) -> FixedNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% fixed %} takes no arguments.")
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    for node in nodelist:
        if not _fixed(node):
            raise template.TemplateSyntaxError(
                "{% fixed %} may hold only text, constant translations, and URLs and static "
                f"paths with constant arguments: not {node!r}."
            )
    return FixedNode(nodelist)


def _fixed(node: Node) -> bool:
    """Whether ``node`` renders the same for every request in one language."""
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None
            and _constant(node.filter_expression)
            and _constant(node.message_context)
        )
    if isinstance(node, BlockTranslateNode):
        return (
            node.asvar is None
            and not node.extra_context
            and node.counter is None
            and _constant(node.message_context)
            and all(t.token_type == TokenType.TEXT for t in (*node.singular, *(node.plural or ())))
        )
    if isinstance(node, URLNode):
        return (
            node.asvar is None
            and _constant(node.view_name)
            and all(_constant(a) for a in (*node.args, *node.kwargs.values()))
        )
    if isinstance(node, StaticNode):
        return node.varname is None and _constant(node.path)
    return False


def _constant(expression: FilterExpression | None) -> bool:
    """Whether ``expression`` is absent or a literal without filters."""
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or (isinstance(var, Variable) and var.lookups is None)
