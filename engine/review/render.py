"""`guideline render`: the workbook as a review document for the committee (Markdown or HTML).

The committee reviews the rules, not the spreadsheet: each decision becomes a table in their
own words (the glossary's labels), its hit policy is said in a sentence, every rule's sources
are quoted from the guideline text, and every rule that interprets where the text is silent
(or answers `not_covered`) is gathered under "Spørsmål til faggruppen". The document is built
once as a few plain blocks and written by two small writers, so Markdown and HTML never say
different things. Nothing in it depends on the clock: rendering twice gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import WorkbookInvalid
from ..core.i18n import N_, _, language, translations
from ..core.model import Model, Question, Rule, Table, Variable
from ..core.sfeel import UnaryTest, Value, literal_text
from ..domain.words import approval_words
from ..verify.check import check_model
from ..verify.citations import unknown_paragraphs
from ..workbook.loader import build_model, load
from ..workbook.xlsx import read_sheets
from . import pages
from .declared import declared_items
from .fhir_section import fhir_blocks
from .markdown_safe import code as md_code
from .open_questions import (
    INTERPRETATION,
    NOT_COVERED,
    OpenQuestion,
    committee_questions,
    raised_by,
)
from .paragraphs import SOURCES, Paragraph, default_paragraphs, read_paragraphs, source_ids

Inline = tuple[tuple[str, str], ...]  # runs of (style, text); style: "", "b", "i", "code"
Labels = Mapping[Value, str]  # a variable's value labels (the Values sheet)
NO_LABELS: Labels = {}
NOTE = ("merknad", "note", "notes", "kommentar")
QUESTIONS = N_("Questions for the committee")
POLICY = {
    "U": N_(
        "U (unique): exactly one rule must match each case. The check proves that the rules "
        "neither overlap nor leave gaps, so the order of the rows means nothing."),
    "A": N_("A (any): several rules may match, but then they must give the same answer."),
    "P": N_(
        "P (priority): when several rules match, the answer listed first among the allowed "
        "values in the glossary applies."),
    "F": N_(
        "F (first): when several rules match, the topmost applies; the order of the rows is "
        "therefore part of the content."),
    "R": N_("R (rule order): every matching rule answers, in the order of the rows."),
    "O": N_(
        "O (output order): every matching rule answers, sorted by the priority in the "
        "glossary."),
    "C": N_("C (collect): every matching rule answers, in no fixed order."),
    "C+": N_("C+ (sum): the answers of all matching rules are added up."),
    "C#": N_("C# (count): the answer is how many rules match."),
    "C<": N_("C< (min): the answer is the smallest of the matching rules' answers."),
    "C>": N_("C> (max): the answer is the largest of the matching rules' answers."),
}
ABOUT = ((N_("Version"), ("version", "versjon")), (N_("Status"), ("status",)),
         (N_("Date"), ("date", "dato")), (N_("Owner"), ("owner", "eier")),
         (N_("Source"), ("source", "kilde")))


# -- what the document says about rules --------------------------------------------------------
def annotation(table: Table, rule: Rule, headers: tuple[str, ...]) -> str:
    for col, text in zip(table.annotations, rule.annotations):
        if col.name.casefold() in headers and text:
            return text
    return ""


def questions(model: Model) -> list[tuple[Table, Rule]]:
    return [(t, r) for t in model.tables.values() for r in t.rules if raised_by(t, r)]


# -- the document as blocks --------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    level: int
    text: Inline


@dataclass(frozen=True)
class Para:
    text: Inline


@dataclass(frozen=True)
class Grid:
    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]
    marks: tuple[str, ...] = ()  # per row, for the page only: "question", "error", "warning"
    wide: bool = False  # for the page only: printed on a landscape page


@dataclass(frozen=True)
class Rules(Grid):
    """A decision's rules: id, conditions, answers, sources. The page may show a wide one as
    rule cards, so it knows which columns are conditions and which answers."""

    conditions: tuple[Inline, ...] = ()
    answers: tuple[Inline, ...] = ()
    asked: tuple[Inline, ...] = ()  # per rule: ids of the questions sheet's questions on it


@dataclass(frozen=True)
class Items:
    items: tuple[Inline, ...]
    ordered: bool = False
    mark: str = ""  # for the page only: "failures" frames a list the committee must act on


@dataclass(frozen=True)
class Quote:
    paras: tuple[Inline, ...]


Block = Heading | Para | Grid | Items | Quote


def t(*parts: str | tuple[str, str]) -> Inline:
    """Plain strings and (style, text) runs into one inline text."""
    return tuple(("", p) if isinstance(p, str) else p for p in parts if p)


def code(text: str) -> tuple[str, str]:
    return ("code", text)


def bold(text: str) -> tuple[str, str]:
    return ("b", text)


def em(text: str) -> tuple[str, str]:
    return ("i", text)


def join(parts: Iterable[Inline], sep: str = ", ") -> Inline:
    out: list[tuple[str, str]] = []
    for n, part in enumerate(parts):
        if n and sep:
            out.append(("", sep))
        out.extend(part)
    return tuple(out)


def value_inline(value: Any, labels: Labels = NO_LABELS) -> Inline:
    """A value in words: its label from the Values sheet, else ja/nei, the code, the number."""
    if isinstance(value, str | bool | int) and value in labels:
        return t(labels[value])
    if isinstance(value, bool):
        return t(_("yes") if value else _("no"))
    if isinstance(value, str):
        return t(code(value))
    if value is None:
        return t(_("unknown"))
    return t(literal_text(value).removeprefix("date(").removesuffix(")").strip('"'))


def test_inline(test: UnaryTest | None, labels: Labels = NO_LABELS) -> Inline:
    """An input cell in words: `–` for any value, ja/nei, the values, ranges as written."""
    if test is None:
        return t(_("(cannot be read)"))
    if test.any:
        return t("–")
    parts = [value_inline(v, labels) for v in test.ordered_points]
    parts += [t(code(iv.to_text())) for iv in test.intervals]
    if test.null:
        parts.append(t(_("unknown")))
    inner = join(parts)
    return t(_("not") + " (", *inner, ")") if test.negated else inner


def labels_of(model: Model, name: str) -> Labels:
    return model.value_labels.get(name, NO_LABELS)



def _named(model: Model, name: str) -> Inline:
    shown = model.label(name)
    return t(shown, " (", code(name), ")") if shown != name else t(code(name))


def build(model: Model, name: str, paragraphs: dict[str, Paragraph], note: str = "",
          sheet_order: list[str] | None = None) -> list[Block]:
    """The whole review document: front matter, decisions, questions, paragraphs, glossary."""
    order = sheet_order or []
    names = list(model.tables)
    tables = sorted(model.tables.values(), key=lambda tb: (
        order.index(tb.sheet) if tb.sheet in order else len(order), names.index(tb.name)))
    blocks = _front(model, name, note)
    for table in tables:
        blocks += _decision(model, table, paragraphs)
    blocks += _questions(model, tables)
    blocks += _paragraph_index(model, tables, paragraphs)
    blocks += _glossary(model)
    blocks += fhir_blocks(model, Heading, Items, Para, t, code, bold)
    return blocks


def _front(model: Model, name: str, note: str) -> list[Block]:
    about = model.about
    title = about.get("title") or about.get("tittel") or Path(name).stem
    rows = []
    for heading, keys in ABOUT:
        value = next((about[k] for k in keys if about.get(k)), "")
        if heading == "Status":  # said for every status, also none: only approval approves
            value = approval_words(model)
        if value:
            rows.append((t(_(heading)), t(value)))
    rows.append((t(_("Workbook")), t(code(name))))
    blocks: list[Block] = [Heading(1, t(title)), Grid((t(_("About")), t("")), tuple(rows)), Para(t(
        _("Made automatically from the workbook with "), code("guideline render"),
        _(". Changes are made in the workbook, not in this document."))),
        Para(_check_line(model))]
    if model.tests:
        blocks.append(Para(t(bold(_("Test cases: ")), _("{n} in the workbook (run ").format(
            n=len(model.tests)), code("guideline test"), ").")))
    if note:
        blocks.append(Para(t(bold(_("Note: ")), note)))
    blocks += [Heading(2, t(_("How to read this document"))), Items((
        t(_("Each decision has its table. Each row is one rule: the conditions stand to the "
            "left, the answer (⇒) to the right.")),
        t(_("«–» means «any value», «yes»/«no» are true/false, and several values with commas "
            "mean «one of them».")),
        t(_("Under each table stand each rule's note, any interpretation, and the sources, "
            "quoted word for word from the guideline (Norwegian text, with an English reading).")),
        t(_("The questions in the workbook's questions sheet, and rules that interpret where the "
            "text is silent, or that answer ") if model.questions else
          _("Rules that interpret where the text is silent, or that answer "), code(NOT_COVERED),
          _(", are gathered under «{questions}».").format(questions=_(QUESTIONS))),
    ))]
    return blocks


def _check_line(model: Model) -> Inline:
    findings = check_model(model)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    head = t(bold(_("Check")), " (", code("guideline check"), "): ")
    if not errors and not warnings:
        return head + t(_("no errors and no warnings: every table is complete and without "
                          "contradictions."))
    listed = "; ".join(str(f) for f in errors + warnings)
    return head + t(_("{errors} error(s) and {warnings} warning(s): {listed}").format(
        errors=len(errors), warnings=len(warnings), listed=listed))


def _decision(model: Model, table: Table, paragraphs: dict[str, Paragraph]) -> list[Block]:
    title = f": {table.title}" if table.title else ""
    needs = list(dict.fromkeys(p.name for n in table.input_names
                               if (p := model.producer(n)) is not None))
    facts = [t(_("Sheet {sheet}, {n} rules.").format(sheet=table.sheet, n=len(table.rules)))]
    policy = POLICY.get(table.hit_policy)
    facts.append(t(_("Hit policy "), _(policy) if policy else table.hit_policy))
    if table.default is not None:
        facts.append(t(_("When no rule matches, the default answer applies: "),
                       *join(value_inline(v, labels_of(model, n))
                             for v, n in zip(table.default, table.output_names)), "."))
    if needs:
        facts.append(t(_("Uses the answer of the decision "), *join(t(code(n)) for n in needs),
                       "."))
    facts.append(t(_("Conditions: "), *join(_named(model, n) for n in table.input_names), "."))
    facts.append(t(_("Answers: "), *join(_named(model, n) for n in table.output_names), "."))
    asked = {r.id: model.questions_on(table.name, (r.id,)) for r in table.rules}
    header = (t(_("Rule")), *(t(model.label(n)) for n in table.input_names),
              *(t("⇒ ", model.label(n)) for n in table.output_names), t(_("Sources")))
    rows = tuple((t(bold(r.id)), *(test_inline(x, labels_of(model, n))
                                   for x, n in zip(r.inputs, table.input_names)),
                  *(value_inline(v, labels_of(model, n))
                    for v, n in zip(r.outputs, table.output_names)),
                  t(", ".join(source_ids(annotation(table, r, SOURCES))) or "–"))
                 for r in table.rules)
    blocks: list[Block] = [Heading(2, t(_("Decision") + " ", code(table.name), title)),
                           Items(tuple(facts)),
                           Rules(header, rows, tuple("question" if raised_by(table, r) else ""
                                                     for r in table.rules),
                                 conditions=tuple(t(model.label(n)) for n in table.input_names),
                                 answers=tuple(t(model.label(n)) for n in table.output_names),
                                 asked=tuple(t(", ".join(q.id for q in asked[r.id]))
                                             for r in table.rules))]
    if table.notes:  # the committee's `#` rows, where they wrote them
        blocks.append(Items(tuple(t(note.text, " (", code(note.cell), ")")
                                  for note in table.notes)))
    blocks.append(Heading(3, t(_("Rules of "), code(table.name), _(": notes and sources"))))
    for rule in table.rules:
        blocks += _rule_notes(table, rule, paragraphs, asked[rule.id])
    return blocks


def _rule_notes(table: Table, rule: Rule, paragraphs: dict[str, Paragraph],
                asked: Iterable[Question] = ()) -> list[Block]:
    head = t(bold(_("Rule {id}").format(id=rule.id)), " (", code(rule.cell), ")")
    note = annotation(table, rule, NOTE)
    blocks: list[Block] = [Para(head + (t(": ", note) if note else ()))]
    for col, text in zip(table.annotations, rule.annotations):
        name = col.name.casefold()
        if text and name not in SOURCES + NOTE + INTERPRETATION:
            blocks.append(Para(t(em(f"{col.name}: "), text)))
    interpretation = annotation(table, rule, INTERPRETATION)
    if interpretation:
        blocks.append(Para(t(bold(_("Interpretation: ")), interpretation)))
    if NOT_COVERED in rule.outputs:
        blocks.append(Para(t(bold(_("Not covered by the text")), " (", code(NOT_COVERED),
                             _("): clinical judgement; a question for the committee."))))
    for question in asked:  # the committee's open questions on this very rule (the reading
        # followed meanwhile stands with the question, under «Questions for the committee»)
        blocks.append(Para(t(bold(_("Open question {id}: ").format(id=question.id)),
                             question.text)))
    ids = source_ids(annotation(table, rule, SOURCES))
    if not ids:
        blocks.append(Para(t(bold(_("Sources: ")), _("none given."))))
    quotes = []
    for pid in ids:
        par = paragraphs.get(pid)
        if par is None:
            quotes.append(t(bold(pid), _(" – (the paragraph is not in the guideline text)")))
            continue
        quotes.append(t(bold(pid), f" – «{par.text}»"))
        if par.english:
            quotes.append(t(em(_("English: {text}").format(text=par.english))))
    if quotes:
        blocks.append(Quote(tuple(quotes)))
    return blocks


def _when(model: Model, table: Table, rule: Rule) -> Inline:
    held = [t(model.label(c.name), ": ", *test_inline(x, labels_of(model, c.name)))
            for c, x in zip(table.inputs, rule.inputs) if x is None or not x.any]
    answer = join(t(model.label(c.name), " = ", *value_inline(v, labels_of(model, c.name)))
                  for c, v in zip(table.outputs, rule.outputs))
    if held:
        return t(_("when") + " ", *join(held, "; ")) + t(" ⇒ ") + answer
    return t(_("always") + " ⇒ ") + answer


def _questions(model: Model, tables: list[Table]) -> list[Block]:
    items = [_sheet_question(model, q.question) if q.question is not None
             else _rule_question(model, q) for q in committee_questions(model, tables)]
    items += declared_items(model, bold, code, t)
    lead = (_("The questions in the workbook's questions sheet, then rules that interpret where "
              "the guideline text is silent, rules that answer ") if model.questions else
            _("Rules that interpret where the guideline text is silent, rules that answer "))
    intro = t(lead, code(NOT_COVERED),
              _(" (the text does not cover the situation), which facts may be unknown and which "
                "combinations cannot occur. The committee is asked to confirm or correct each of "
                "them."))
    if not items:
        return [Heading(2, t(_(QUESTIONS))),
                Para(t(_("None: every rule follows directly from the text.")))]
    return [Heading(2, t(_(QUESTIONS))), Para(intro), Items(tuple(items), ordered=True)]


def _sheet_question(model: Model, q: Question) -> Inline:
    text = t(bold(_("Question {id}").format(id=q.id)), " (", code(q.cell), "): ", q.text)
    if q.paragraphs:
        text += t(_(" Paragraphs: {ids}.").format(ids=", ".join(q.paragraphs)))
    if q.rules:
        text += t(_(" Rules: "), ", ".join(f"{model.tables[d].sheet} {r}" for d, r in q.rules),
                  ".")
    if q.reading:
        text += t(" ", bold(_("Reading meanwhile: ")), q.reading)
    return text


def _rule_question(model: Model, q: OpenQuestion) -> Inline:
    table = q.table
    assert table is not None
    if q.rule is None:
        return t(bold(f"{table.sheet} default"), " (" + _("decision") + " ", code(table.name),
                 _("): when no rule matches, the table answers "), code(NOT_COVERED), ". ",
                 bold(_("Not covered by the text.")))
    rule = q.rule
    text = t(bold(f"{table.sheet} {rule.id}"), " (" + _("decision") + " ", code(table.name),
             ", ", code(rule.cell), "): ") + _when(model, table, rule) + t(".")
    interpretation = annotation(table, rule, INTERPRETATION)
    if NOT_COVERED in rule.outputs:
        text += t(" ", bold(_("Not covered by the text.")))
    note = annotation(table, rule, NOTE)
    if note and not interpretation:
        text += t(" ", note)
    if interpretation:
        text += t(" ", bold(_("Interpretation: ")), interpretation)
    ids = source_ids(annotation(table, rule, SOURCES))
    return text + t(" " + _("Sources: ") + f"{', '.join(ids) or _('none')}.")


def _paragraph_index(model: Model, tables: list[Table],
                     paragraphs: dict[str, Paragraph]) -> list[Block]:
    cited: dict[str, list[str]] = {}
    for table in tables:
        for rule in table.rules:
            for pid in source_ids(annotation(table, rule, SOURCES)):
                cited.setdefault(pid, []).append(f"{table.sheet} {rule.id}")
    if not paragraphs:
        return []
    blocks: list[Block] = [Heading(2, t(_("The paragraphs of the guideline"))), Para(t(_(
        "Each paragraph with the rules that build on it. A paragraph without a rule is not in "
        "the tables.")))]
    groups = list(dict.fromkeys(p.group for p in paragraphs.values()))
    for group in groups:
        if group:
            blocks.append(Heading(3, t(group)))
        rows = tuple((t(bold(p.id)), t(p.text), t(p.english),
                      t(", ".join(cited.get(p.id, [])) or _("(no rule)")))
                     for p in paragraphs.values() if p.group == group)
        blocks.append(Grid((t(_("Paragraph")), t(_("Text (verbatim)")), t(_("English")),
                            t(_("Rules"))), rows))
    unknown = sorted(set(cited) - set(paragraphs))
    if unknown:
        blocks.append(Para(t(bold(_("Unknown sources: ")), ", ".join(
            f"{pid} ({', '.join(cited[pid])})" for pid in unknown))))
    return blocks


def _glossary(model: Model) -> list[Block]:
    rows = []
    for var in model.variables.values():
        producer = model.producer(var.name)
        role = t(_("answer of "), code(producer.name)) if producer else t(
            _("input, may be unknown") if var.unknown is True else _("input"))
        rows.append((t(var.label or var.name), t(code(var.name)), role, t(code(var.type)),
                     _allowed(var, labels_of(model, var.name)), t(var.description)))
    header = (t(_("Label")), t(_("Name")), t(_("Role")), t(_("Type")), t(_("Allowed values")),
              t(_("Description")))
    return [Heading(2, t(_("Glossary"))), Grid(header, tuple(rows), wide=True)]


def _allowed(var: Variable, labels: Labels) -> Inline:
    if var.type == "boolean":
        return t(_("yes") + ", " + _("no"))
    if var.values:
        return join(t(labels[v], " (", code(str(v)), ")") if v in labels else value_inline(v)
                    for v in var.values)
    return t(var.allowed.text) if var.allowed is not None else t("–")


# -- writers -----------------------------------------------------------------------------------
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md_inline(text: Inline) -> str:
    out = []
    for style, raw in text:
        raw = re.sub(r"\s+", " ", raw)
        if style == "code":  # a fence no backtick run inside can close
            out.append(md_code(raw))
            continue
        esc = MD_SPECIAL.sub(r"\\\1", raw)
        mark = {"b": "**", "i": "*"}.get(style, "")
        core = esc.strip()
        if mark and core:  # emphasis may not start or end with a space in CommonMark
            lead, trail = esc[:len(esc) - len(esc.lstrip())], esc[len(esc.rstrip()):]
            esc = f"{lead}{mark}{core}{mark}{trail}"
        out.append(esc)
    line = "".join(out)
    return re.sub(r"^([-+=]|\d+\.)(?=\s|$)", lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1],
                  line)


def to_markdown(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + _md_inline(block.text))
        elif isinstance(block, Para):
            parts.append(_md_inline(block.text))
        elif isinstance(block, Items):
            parts.append("\n".join(f"{f'{n}.' if block.ordered else '-'} {_md_inline(item)}"
                                   for n, item in enumerate(block.items, 1)))
        elif isinstance(block, Quote):
            parts.append("\n>\n".join(f"> {_md_inline(p)}" for p in block.paras))
        else:
            lines = ["| " + " | ".join(_md_inline(c) for c in block.header) + " |",
                     "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(_md_inline(c) for c in row) + " |" for row in block.rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def to_html(blocks: list[Block], template: str = "render.html", **extra: Any) -> str:
    """The blocks as one self-contained page, with a table of contents (templates/*.html)."""
    title = next((b.text for b in blocks if isinstance(b, Heading)), t(_("Decision tables")))
    anchors, entries, toc_after = pages.contents(blocks)
    return pages.page(template, translations=translations(), lang=language(),
                      title=pages.plain(title), blocks=blocks, anchors=anchors,
                      contents=entries, toc_after=toc_after, **extra)


# -- the command -------------------------------------------------------------------------------
def load_for_render(path: str) -> tuple[Model, list[str]]:
    """The model (refused if it holds errors) and the workbook's sheet order, from one read."""
    if path.lower().endswith(".dmn"):
        return load(path), []
    sheets = read_sheets(path)
    model = build_model(path, sheets)
    if model.errors:
        raise WorkbookInvalid(path, model.problems)
    return model, [s.name for s in sheets]


def render(path: str, fmt: str = "markdown", guideline: str | None = None) -> str:
    """The review document of the workbook at `path`, as Markdown or HTML text."""
    model, order = load_for_render(path)
    source = Path(guideline) if guideline else default_paragraphs(path)
    note = ""
    if guideline or source.exists():
        paragraphs = read_paragraphs(source)
        wrong = unknown_paragraphs(model, paragraphs)
        if wrong:
            raise WorkbookInvalid(path, wrong)
    else:
        paragraphs = {}
        note = _("the guideline text was not found ({name} beside the workbook, or "
                 "--guideline FILE), so the sources are not quoted.").format(name=source.name)
    blocks = build(model, Path(path).name, paragraphs, note, order)
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)
