"""`guideline render`: the workbook as a review document for the committee (Markdown or HTML).

The committee reviews the rules, not the spreadsheet: each decision becomes a table in their
own words (the glossary's labels), its hit policy is said in a sentence, every rule's sources
are quoted from the guideline text, and every rule that interprets where the text is silent
(or answers `not_covered`) is gathered under "Spørsmål til faggruppen". The document is built
once as a few plain blocks and written by two small writers, so Markdown and HTML never say
different things. Nothing in it depends on the clock: rendering twice gives the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import UsageError, WorkbookInvalid
from ..core.i18n import N_, _
from ..core.model import Model, Rule, Table, Variable
from ..core.sfeel import UnaryTest, literal_text
from ..verify.check import check_model
from ..workbook.loader import build_model, load
from ..workbook.xlsx import read_sheets

Inline = tuple[tuple[str, str], ...]  # runs of (style, text); style: "", "b", "i", "code"
SOURCE_ID = re.compile(r"\b([A-Z]{1,3}\d{1,3})\b")
PARAGRAPH_ID = re.compile(r"[A-Z]{1,3}\d{1,3}$")
SOURCES = ("sources", "source", "kilder", "kilde")
INTERPRETATION = ("tolkning", "interpretation", "tolking")
NOTE = ("merknad", "note", "notes", "kommentar")
NOT_COVERED = "not_covered"
QUESTIONS = N_("Questions for the committee")
POLICY = {
    "U": N_(
        "U (unique): exactly one rule must match each case. The check proves that the rules "
        "neither overlap nor leave gaps, so the order of the rows means nothing."
    ),
    "A": N_("A (any): several rules may match, but then they must give the same answer."),
    "P": N_(
        "P (priority): when several rules match, the answer listed first among the allowed "
        "values in the glossary applies."
    ),
    "F": N_(
        "F (first): when several rules match, the topmost applies; the order of the rows is "
        "therefore part of the content."
    ),
    "R": N_("R (rule order): every matching rule answers, in the order of the rows."),
    "O": N_(
        "O (output order): every matching rule answers, sorted by the priority in the glossary."
    ),
    "C": N_("C (collect): every matching rule answers, in no fixed order."),
    "C+": N_("C+ (sum): the answers of all matching rules are added up."),
    "C#": N_("C# (count): the answer is how many rules match."),
    "C<": N_("C< (min): the answer is the smallest of the matching rules' answers."),
    "C>": N_("C> (max): the answer is the largest of the matching rules' answers."),
}
ABOUT = ((N_("Version"), ("version", "versjon")), (N_("Status"), ("status",)),
         (N_("Date"), ("date", "dato")), (N_("Owner"), ("owner", "eier")),
         (N_("Source"), ("source", "kilde")))
STATUS = {"draft": N_("draft"), "approved": N_("approved")}


# -- the guideline's paragraphs ----------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    id: str
    text: str  # verbatim, in the guideline's language
    english: str
    group: str  # the heading of the table it stands in (the flowchart column)


def read_paragraphs(path: str | Path) -> dict[str, Paragraph]:
    """Every `| id | text | English |` row of the Markdown tables in a guideline file."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("cannot read the guideline text {path}: {value}").format(
                             path=path, value=getattr(exc, 'strerror', None) or exc)) from None
    found: dict[str, Paragraph] = {}
    group = ""
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            if stripped:
                group = stripped.rstrip(":")
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", stripped)[1:-1]]
        if len(cells) >= 2 and PARAGRAPH_ID.match(cells[0]):
            english = cells[2] if len(cells) > 2 else ""
            found[cells[0]] = Paragraph(cells[0], cells[1], english, group)
    if not found:
        raise UsageError(_("{path} holds no paragraph table: expected rows like '| N1 "
                           "| text | English |'").format(path=path))
    return found


def default_paragraphs(workbook: str) -> Path:
    """The guideline text kept beside the workbook: `name.xlsx` -> `name.paragraphs.md`."""
    return Path(workbook).with_suffix(".paragraphs.md")


def source_ids(text: str) -> list[str]:
    return list(dict.fromkeys(SOURCE_ID.findall(text)))


# -- what the document says about rules --------------------------------------------------------
def annotation(table: Table, rule: Rule, headers: tuple[str, ...]) -> str:
    for col, text in zip(table.annotations, rule.annotations):
        if col.name.casefold() in headers and text:
            return text
    return ""


def is_question(table: Table, rule: Rule) -> bool:
    """A rule the committee must look at: it interprets, or the text does not cover the case."""
    return bool(annotation(table, rule, INTERPRETATION)) or NOT_COVERED in rule.outputs


def questions(model: Model) -> list[tuple[Table, Rule]]:
    return [(t, r) for t in model.tables.values() for r in t.rules if is_question(t, r)]


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


@dataclass(frozen=True)
class Items:
    items: tuple[Inline, ...]
    ordered: bool = False


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


def value_inline(value: Any) -> Inline:
    if isinstance(value, bool):
        return t(_("yes") if value else _("no"))
    if isinstance(value, str):
        return t(code(value))
    if value is None:
        return t(_("unknown"))
    return t(literal_text(value).removeprefix("date(").removesuffix(")").strip('"'))


def test_inline(test: UnaryTest | None) -> Inline:
    """An input cell in words: `–` for any value, ja/nei, the values, ranges as written."""
    if test is None:
        return t(_("(cannot be read)"))
    if test.any:
        return t("–")
    parts = [value_inline(v) for v in test.ordered_points]
    parts += [t(code(iv.to_text())) for iv in test.intervals]
    if test.null:
        parts.append(t(_("unknown")))
    inner = join(parts)
    return t(_("not") + " (", *inner, ")") if test.negated else inner


def label(model: Model, name: str) -> str:
    var = model.variables.get(name)
    return var.label if var is not None and var.label else name


def _named(model: Model, name: str) -> Inline:
    shown = label(model, name)
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
    return blocks


def _front(model: Model, name: str, note: str) -> list[Block]:
    about = model.about
    title = about.get("title") or about.get("tittel") or Path(name).stem
    rows = []
    for heading, keys in ABOUT:
        value = next((about[k] for k in keys if about.get(k)), "")
        if heading == "Status" and value in STATUS:
            value = f"{value} ({_(STATUS[value])})"
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
        t(_("Rules that interpret where the text is silent, or that answer "), code(NOT_COVERED),
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
                       *join(value_inline(v) for v in table.default), "."))
    if needs:
        facts.append(t(_("Uses the answer of the decision "), *join(t(code(n)) for n in needs),
                       "."))
    facts.append(t(_("Conditions: "), *join(_named(model, n) for n in table.input_names), "."))
    facts.append(t(_("Answers: "), *join(_named(model, n) for n in table.output_names), "."))
    header = (t(_("Rule")), *(t(label(model, n)) for n in table.input_names),
              *(t("⇒ ", label(model, n)) for n in table.output_names), t(_("Sources")))
    rows = tuple((t(bold(r.id)), *(test_inline(x) for x in r.inputs),
                  *(value_inline(v) for v in r.outputs),
                  t(", ".join(source_ids(annotation(table, r, SOURCES))) or "–"))
                 for r in table.rules)
    blocks: list[Block] = [Heading(2, t(_("Decision") + " ", code(table.name), title)),
                           Items(tuple(facts)), Grid(header, rows)]
    if table.notes:  # the committee's `#` rows, where they wrote them
        blocks.append(Items(tuple(t(note.text, " (", code(note.cell), ")")
                                  for note in table.notes)))
    blocks.append(Heading(3, t(_("Rules of "), code(table.name), _(": notes and sources"))))
    for rule in table.rules:
        blocks += _rule_notes(table, rule, paragraphs)
    return blocks


def _rule_notes(table: Table, rule: Rule, paragraphs: dict[str, Paragraph]) -> list[Block]:
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
            quotes.append(t(em(f"English: {par.english}")))
    if quotes:
        blocks.append(Quote(tuple(quotes)))
    return blocks


def _when(model: Model, table: Table, rule: Rule) -> Inline:
    held = [t(label(model, c.name), ": ", *test_inline(x))
            for c, x in zip(table.inputs, rule.inputs) if x is None or not x.any]
    answer = join(t(label(model, c.name), " = ", *value_inline(v))
                  for c, v in zip(table.outputs, rule.outputs))
    if held:
        return t(_("when") + " ", *join(held, "; ")) + t(" ⇒ ") + answer
    return t(_("always") + " ⇒ ") + answer


def _questions(model: Model, tables: list[Table]) -> list[Block]:
    items = []
    for table in tables:
        for rule in table.rules:
            if not is_question(table, rule):
                continue
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
            text += t(" " + _("Sources: ") + f"{', '.join(ids) or _('none')}.")
            items.append(text)
        if table.default is not None and NOT_COVERED in table.default:
            items.append(t(bold(f"{table.sheet} default"), " (" + _("decision") + " ",
                           code(table.name), _("): when no rule matches, the table answers "),
                           code(NOT_COVERED), ". ", bold(_("Not covered by the text."))))
    intro = t(_("Rules that interpret where the guideline text is silent, and rules that answer "),
              code(NOT_COVERED), _(" (the text does not cover the situation). The committee is "
                                   "asked to confirm or correct each of them."))
    if not items:
        return [Heading(2, t(_(QUESTIONS))),
                Para(t(_("None: every rule follows directly from the text.")))]
    return [Heading(2, t(_(QUESTIONS))), Para(intro), Items(tuple(items), ordered=True)]


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
        blocks.append(Grid((t(_("Paragraph")), t(_("Text (verbatim)")), t("English"),
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
        role = t(_("answer of "), code(producer.name)) if producer else t(_("input"))
        rows.append((t(var.label or var.name), t(code(var.name)), role, t(code(var.type)),
                     _allowed(var), t(var.description)))
    header = (t(_("Label")), t(_("Name")), t(_("Role")), t(_("Type")), t(_("Allowed values")),
              t(_("Description")))
    return [Heading(2, t(_("Glossary"))), Grid(header, tuple(rows))]


def _allowed(var: Variable) -> Inline:
    if var.type == "boolean":
        return t(_("yes") + ", " + _("no"))
    if var.values:
        return join(value_inline(v) for v in var.values)
    return t(var.allowed.text) if var.allowed is not None else t("–")


# -- writers -----------------------------------------------------------------------------------
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md_inline(text: Inline) -> str:
    out = []
    for style, raw in text:
        raw = re.sub(r"\s+", " ", raw)
        if style == "code":
            fence = "``" if "`" in raw else "`"
            pad = " " if fence == "``" else ""
            out.append(f"{fence}{pad}{raw.replace('|', chr(92) + '|')}{pad}{fence}")
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


CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;
margin:2rem auto;max-width:80rem;padding:0 1rem;color:#1b1b1b}
h1,h2,h3{line-height:1.2}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
.wide{overflow-x:auto}table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}
th,td{border:1px solid #bbb;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#eef2f6}code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}
blockquote{margin:.4rem 0 1rem 1rem;padding:.2rem .8rem;border-left:4px solid #9bb;
background:#f7fafa}blockquote p{margin:.3rem 0}"""


def _html_inline(text: Inline) -> str:
    tags = {"b": "strong", "i": "em", "code": "code"}
    out = []
    for style, raw in text:
        esc = html.escape(raw, quote=True)
        out.append(f"<{tags[style]}>{esc}</{tags[style]}>" if style in tags else esc)
    return "".join(out)


def to_html(blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), t("Beslutningstabeller"))
    plain = html.escape("".join(s for _, s in title), quote=True)
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_html_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{_html_inline(block.text)}</p>")
        elif isinstance(block, Items):
            tag = "ol" if block.ordered else "ul"
            body.append(f"<{tag}>" + "".join(f"<li>{_html_inline(i)}</li>" for i in block.items)
                        + f"</{tag}>")
        elif isinstance(block, Quote):
            body.append("<blockquote>" + "".join(f"<p>{_html_inline(p)}</p>"
                                                 for p in block.paras) + "</blockquote>")
        else:
            head = "".join(f"<th>{_html_inline(c)}</th>" for c in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            body.append(f'<div class="wide"><table><thead><tr>{head}</tr></thead>'
                        f"<tbody>{rows}</tbody></table></div>")
    return ("<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{plain}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


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
    else:
        paragraphs = {}
        note = _("the guideline text was not found ({name} beside the workbook, or "
                 "--guideline FILE), so the sources are not quoted.").format(name=source.name)
    blocks = build(model, Path(path).name, paragraphs, note, order)
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)
