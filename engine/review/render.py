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
from ..core.model import Model, Rule, Table, Variable
from ..core.sfeel import UnaryTest, Value, literal_text
from ..verify.check import check_model
from ..workbook.loader import build_model, load
from ..workbook.xlsx import read_sheets
from . import pages
from .paragraphs import Paragraph, default_paragraphs, read_paragraphs, source_ids

Inline = tuple[tuple[str, str], ...]  # runs of (style, text); style: "", "b", "i", "code"
Labels = Mapping[Value, str]  # a variable's value labels (the Values sheet)
NO_LABELS: Labels = {}
SOURCES = ("sources", "source", "kilder", "kilde")
INTERPRETATION = ("tolkning", "interpretation", "tolking")
NOTE = ("merknad", "note", "notes", "kommentar")
NOT_COVERED = "not_covered"
QUESTIONS = "Spørsmål til faggruppen"
POLICY = {
    "U": "U (unik): for hvert tilfelle skal nøyaktig én regel passe. Kontrollen beviser at "
         "reglene verken overlapper eller etterlater hull, så radenes rekkefølge betyr ingenting.",
    "A": "A (hvilken som helst): flere regler kan passe, men da må de gi samme svar.",
    "P": "P (prioritet): passer flere regler, gjelder svaret som står først blant de tillatte "
         "verdiene i Ordliste.",
    "F": "F (første): passer flere regler, gjelder den øverste; radenes rekkefølge er derfor "
         "en del av innholdet.",
    "R": "R (regelrekkefølge): alle regler som passer, gir svar, i radenes rekkefølge.",
    "O": "O (utdatarekkefølge): alle regler som passer, gir svar, sortert etter prioriteten i "
         "Ordliste.",
    "C": "C (samle): alle regler som passer, gir svar, uten fast rekkefølge.",
    "C+": "C+ (sum): svarene fra alle regler som passer, legges sammen.",
    "C#": "C# (antall): svaret er hvor mange regler som passer.",
    "C<": "C< (minste): svaret er det minste av svarene fra reglene som passer.",
    "C>": "C> (største): svaret er det største av svarene fra reglene som passer.",
}
ABOUT = (("Versjon", ("version", "versjon")), ("Status", ("status",)),
         ("Dato", ("date", "dato")), ("Eier", ("owner", "eier")),
         ("Kilde", ("source", "kilde")))
STATUS = {"draft": "utkast", "approved": "godkjent"}


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
    marks: tuple[str, ...] = ()  # per row, for the page only: "question", "error", "warning"
    wide: bool = False  # for the page only: printed on a landscape page


@dataclass(frozen=True)
class Rules(Grid):
    """A decision's rules: id, conditions, answers, sources. The page may show a wide one as
    rule cards, so it knows which columns are conditions and which answers."""

    conditions: tuple[Inline, ...] = ()
    answers: tuple[Inline, ...] = ()


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
        return t("ja" if value else "nei")
    if isinstance(value, str):
        return t(code(value))
    if value is None:
        return t("ukjent")
    return t(literal_text(value).removeprefix("date(").removesuffix(")").strip('"'))


def test_inline(test: UnaryTest | None, labels: Labels = NO_LABELS) -> Inline:
    """An input cell in words: `–` for any value, ja/nei, the values, ranges as written."""
    if test is None:
        return t("(kan ikke leses)")
    if test.any:
        return t("–")
    parts = [value_inline(v, labels) for v in test.ordered_points]
    parts += [t(code(iv.to_text())) for iv in test.intervals]
    if test.null:
        parts.append(t("ukjent"))
    inner = join(parts)
    return t("ikke (", *inner, ")") if test.negated else inner


def labels_of(model: Model, name: str) -> Labels:
    return model.value_labels.get(name, NO_LABELS)


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
            value = f"{value} ({STATUS[value]})"
        if value:
            rows.append((t(heading), t(value)))
    rows.append((t("Arbeidsbok"), t(code(name))))
    blocks: list[Block] = [Heading(1, t(title)), Grid((t("Om"), t("")), tuple(rows)), Para(t(
        "Laget automatisk fra arbeidsboken med ", code("guideline render"),
        ". Endringer gjøres i arbeidsboken, ikke i dette dokumentet.")), Para(_check_line(model))]
    if model.tests:
        blocks.append(Para(t(bold("Testtilfeller: "), f"{len(model.tests)} i arbeidsboken (kjør ",
                             code("guideline test"), ").")))
    if note:
        blocks.append(Para(t(bold("Merk: "), note)))
    blocks += [Heading(2, t("Slik leses dokumentet")), Items((
        t("Hver beslutning har sin tabell. Hver rad er én regel: betingelsene står til venstre, "
          "svaret (⇒) til høyre."),
        t("«–» betyr «uansett verdi», «ja»/«nei» er sann/usann, og flere verdier med komma "
          "betyr «en av dem»."),
        t("Under hver tabell står hver regels merknad, eventuell tolkning og kildene, sitert "
          "ordrett fra retningslinjen (norsk tekst, med engelsk lesning)."),
        t("Regler som tolker der teksten er taus, eller som svarer ", code(NOT_COVERED),
          f", er samlet under «{QUESTIONS}»."),
    ))]
    return blocks


def _check_line(model: Model) -> Inline:
    findings = check_model(model)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    head = t(bold("Kontroll"), " (", code("guideline check"), "): ")
    if not errors and not warnings:
        return head + t("ingen feil og ingen advarsler: hver tabell er fullstendig og uten "
                        "motsigelser.")
    listed = "; ".join(str(f) for f in errors + warnings)
    return head + t(f"{len(errors)} feil og {len(warnings)} advarsler: {listed}")


def _decision(model: Model, table: Table, paragraphs: dict[str, Paragraph]) -> list[Block]:
    title = f": {table.title}" if table.title else ""
    needs = list(dict.fromkeys(p.name for n in table.input_names
                               if (p := model.producer(n)) is not None))
    facts = [t(f"Ark {table.sheet}, {len(table.rules)} regler.")]
    facts.append(t("Treffregel ", POLICY.get(table.hit_policy, table.hit_policy)))
    if table.default is not None:
        facts.append(t("Passer ingen regel, gjelder standardsvaret ",
                       *join(value_inline(v, labels_of(model, n))
                             for v, n in zip(table.default, table.output_names)), "."))
    if needs:
        facts.append(t("Bruker svaret fra beslutningen ", *join(t(code(n)) for n in needs), "."))
    facts.append(t("Betingelser: ", *join(_named(model, n) for n in table.input_names), "."))
    facts.append(t("Svar: ", *join(_named(model, n) for n in table.output_names), "."))
    header = (t("Regel"), *(t(label(model, n)) for n in table.input_names),
              *(t("⇒ ", label(model, n)) for n in table.output_names), t("Kilder"))
    rows = tuple((t(bold(r.id)), *(test_inline(x, labels_of(model, n))
                                   for x, n in zip(r.inputs, table.input_names)),
                  *(value_inline(v, labels_of(model, n))
                    for v, n in zip(r.outputs, table.output_names)),
                  t(", ".join(source_ids(annotation(table, r, SOURCES))) or "–"))
                 for r in table.rules)
    blocks: list[Block] = [Heading(2, t("Beslutning ", code(table.name), title)),
                           Items(tuple(facts)),
                           Rules(header, rows, tuple("question" if is_question(table, r) else ""
                                                     for r in table.rules),
                                 conditions=tuple(t(label(model, n)) for n in table.input_names),
                                 answers=tuple(t(label(model, n)) for n in table.output_names)),
                           Heading(3, t("Regler i ", code(table.name), ": merknader og kilder"))]
    for rule in table.rules:
        blocks += _rule_notes(table, rule, paragraphs)
    return blocks


def _rule_notes(table: Table, rule: Rule, paragraphs: dict[str, Paragraph]) -> list[Block]:
    head = t(bold(f"Regel {rule.id}"), " (", code(rule.cell), ")")
    note = annotation(table, rule, NOTE)
    blocks: list[Block] = [Para(head + (t(": ", note) if note else ()))]
    for col, text in zip(table.annotations, rule.annotations):
        name = col.name.casefold()
        if text and name not in SOURCES + NOTE + INTERPRETATION:
            blocks.append(Para(t(em(f"{col.name}: "), text)))
    interpretation = annotation(table, rule, INTERPRETATION)
    if interpretation:
        blocks.append(Para(t(bold("Tolkning: "), interpretation)))
    if NOT_COVERED in rule.outputs:
        blocks.append(Para(t(bold("Ikke dekket av teksten"), " (", code(NOT_COVERED),
                             "): klinisk skjønn; spørsmål til faggruppen.")))
    ids = source_ids(annotation(table, rule, SOURCES))
    if not ids:
        blocks.append(Para(t(bold("Kilder: "), "ingen oppgitt.")))
    quotes = []
    for pid in ids:
        par = paragraphs.get(pid)
        if par is None:
            quotes.append(t(bold(pid), " – (avsnittet finnes ikke i retningslinjeteksten)"))
            continue
        quotes.append(t(bold(pid), f" – «{par.text}»"))
        if par.english:
            quotes.append(t(em(f"English: {par.english}")))
    if quotes:
        blocks.append(Quote(tuple(quotes)))
    return blocks


def _when(model: Model, table: Table, rule: Rule) -> Inline:
    held = [t(label(model, c.name), ": ", *test_inline(x, labels_of(model, c.name)))
            for c, x in zip(table.inputs, rule.inputs) if x is None or not x.any]
    answer = join(t(label(model, c.name), " = ", *value_inline(v, labels_of(model, c.name)))
                  for c, v in zip(table.outputs, rule.outputs))
    return t("når ", *join(held, "; ")) + t(" ⇒ ") + answer if held else t("alltid ⇒ ") + answer


def _questions(model: Model, tables: list[Table]) -> list[Block]:
    items = []
    for table in tables:
        for rule in table.rules:
            if not is_question(table, rule):
                continue
            text = t(bold(f"{table.sheet} {rule.id}"), " (beslutning ", code(table.name),
                     ", ", code(rule.cell), "): ") + _when(model, table, rule) + t(".")
            interpretation = annotation(table, rule, INTERPRETATION)
            if NOT_COVERED in rule.outputs:
                text += t(" ", bold("Ikke dekket av teksten."))
            note = annotation(table, rule, NOTE)
            if note and not interpretation:
                text += t(" ", note)
            if interpretation:
                text += t(" ", bold("Tolkning: "), interpretation)
            ids = source_ids(annotation(table, rule, SOURCES))
            text += t(f" Kilder: {', '.join(ids) or 'ingen'}.")
            items.append(text)
        if table.default is not None and NOT_COVERED in table.default:
            items.append(t(bold(f"{table.sheet} default"), " (beslutning ", code(table.name),
                           "): når ingen regel passer, svarer tabellen ", code(NOT_COVERED), ". ",
                           bold("Ikke dekket av teksten.")))
    intro = t("Regler som tolker der retningslinjeteksten er taus, og regler som svarer ",
              code(NOT_COVERED), " (teksten dekker ikke situasjonen). Faggruppen bes bekrefte "
              "eller rette hver av dem.")
    if not items:
        return [Heading(2, t(QUESTIONS)), Para(t("Ingen: hver regel følger direkte av teksten."))]
    return [Heading(2, t(QUESTIONS)), Para(intro), Items(tuple(items), ordered=True)]


def _paragraph_index(model: Model, tables: list[Table],
                     paragraphs: dict[str, Paragraph]) -> list[Block]:
    cited: dict[str, list[str]] = {}
    for table in tables:
        for rule in table.rules:
            for pid in source_ids(annotation(table, rule, SOURCES)):
                cited.setdefault(pid, []).append(f"{table.sheet} {rule.id}")
    if not paragraphs:
        return []
    blocks: list[Block] = [Heading(2, t("Avsnittene i retningslinjen")), Para(t(
        "Hvert avsnitt med reglene som bygger på det. Et avsnitt uten regel er ikke lagt inn "
        "i tabellene."))]
    groups = list(dict.fromkeys(p.group for p in paragraphs.values()))
    for group in groups:
        if group:
            blocks.append(Heading(3, t(group)))
        rows = tuple((t(bold(p.id)), t(p.text), t(p.english),
                      t(", ".join(cited.get(p.id, [])) or "(ingen regel)"))
                     for p in paragraphs.values() if p.group == group)
        blocks.append(Grid((t("Avsnitt"), t("Tekst (ordrett)"), t("English"), t("Regler")), rows))
    unknown = sorted(set(cited) - set(paragraphs))
    if unknown:
        blocks.append(Para(t(bold("Ukjente kilder: "), ", ".join(
            f"{pid} ({', '.join(cited[pid])})" for pid in unknown))))
    return blocks


def _glossary(model: Model) -> list[Block]:
    rows = []
    for var in model.variables.values():
        producer = model.producer(var.name)
        role = t("svar fra ", code(producer.name)) if producer else t("inndata")
        rows.append((t(var.label or var.name), t(code(var.name)), role, t(code(var.type)),
                     _allowed(var, labels_of(model, var.name)), t(var.description)))
    header = (t("Etikett"), t("Navn"), t("Rolle"), t("Type"), t("Tillatte verdier"),
              t("Beskrivelse"))
    return [Heading(2, t("Ordliste")), Grid(header, tuple(rows))]


def _allowed(var: Variable, labels: Labels) -> Inline:
    if var.type == "boolean":
        return t("ja, nei")
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


def to_html(blocks: list[Block], template: str = "render.html", **extra: Any) -> str:
    """The blocks as one self-contained page, with a table of contents (templates/*.html)."""
    title = next((b.text for b in blocks if isinstance(b, Heading)), t("Beslutningstabeller"))
    anchors, entries, toc_after = pages.contents(blocks)
    return pages.page(template, lang="nb", title=pages.plain(title), blocks=blocks,
                      anchors=anchors, contents=entries, toc_after=toc_after, **extra)


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
        note = (f"retningslinjeteksten ble ikke funnet ({source.name} ved siden av "
                "arbeidsboken, eller --guideline FIL), så kildene er ikke sitert.")
    blocks = build(model, Path(path).name, paragraphs, note, order)
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)
