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
from ..core.model import Model, Rule, Table, Variable
from ..core.sfeel import UnaryTest, literal_text
from ..verify.check import check_model
from ..workbook.loader import build_model, load
from ..workbook.xlsx import read_sheets
from .declared import declared_items

Inline = tuple[tuple[str, str], ...]  # runs of (style, text); style: "", "b", "i", "code"
SOURCE_ID = re.compile(r"\b([A-Z]{1,3}\d{1,3})\b")
PARAGRAPH_ID = re.compile(r"[A-Z]{1,3}\d{1,3}$")
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
        raise UsageError(f"cannot read the guideline text {path}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
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
        raise UsageError(f"{path} holds no paragraph table: expected rows like "
                         "'| N1 | text | English |'")
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
        return t("ja" if value else "nei")
    if isinstance(value, str):
        return t(code(value))
    if value is None:
        return t("ukjent")
    return t(literal_text(value).removeprefix("date(").removesuffix(")").strip('"'))


def test_inline(test: UnaryTest | None) -> Inline:
    """An input cell in words: `–` for any value, ja/nei, the values, ranges as written."""
    if test is None:
        return t("(kan ikke leses)")
    if test.any:
        return t("–")
    parts = [value_inline(v) for v in test.ordered_points]
    parts += [t(code(iv.to_text())) for iv in test.intervals]
    if test.null:
        parts.append(t("ukjent"))
    inner = join(parts)
    return t("ikke (", *inner, ")") if test.negated else inner


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
                       *join(value_inline(v) for v in table.default), "."))
    if needs:
        facts.append(t("Bruker svaret fra beslutningen ", *join(t(code(n)) for n in needs), "."))
    facts.append(t("Betingelser: ", *join(_named(model, n) for n in table.input_names), "."))
    facts.append(t("Svar: ", *join(_named(model, n) for n in table.output_names), "."))
    header = (t("Regel"), *(t(label(model, n)) for n in table.input_names),
              *(t("⇒ ", label(model, n)) for n in table.output_names), t("Kilder"))
    rows = tuple((t(bold(r.id)), *(test_inline(x) for x in r.inputs),
                  *(value_inline(v) for v in r.outputs),
                  t(", ".join(source_ids(annotation(table, r, SOURCES))) or "–"))
                 for r in table.rules)
    blocks: list[Block] = [Heading(2, t("Beslutning ", code(table.name), title)),
                           Items(tuple(facts)), Grid(header, rows),
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
    held = [t(label(model, c.name), ": ", *test_inline(x))
            for c, x in zip(table.inputs, rule.inputs) if x is None or not x.any]
    answer = join(t(label(model, c.name), " = ", *value_inline(v))
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
    items += declared_items(model, bold, code, t)
    intro = t("Regler som tolker der retningslinjeteksten er taus, regler som svarer ",
              code(NOT_COVERED), " (teksten dekker ikke situasjonen), og hvilke opplysninger "
              "som kan være ukjente og hvilke kombinasjoner som ikke kan forekomme. Faggruppen "
              "bes bekrefte eller rette hver av dem.")
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
        role = t("svar fra ", code(producer.name)) if producer else t(
            "inndata, kan være ukjent" if var.unknown is True else "inndata")
        rows.append((t(var.label or var.name), t(code(var.name)), role, t(code(var.type)),
                     _allowed(var), t(var.description)))
    header = (t("Etikett"), t("Navn"), t("Rolle"), t("Type"), t("Tillatte verdier"),
              t("Beskrivelse"))
    return [Heading(2, t("Ordliste")), Grid(header, tuple(rows))]


def _allowed(var: Variable) -> Inline:
    if var.type == "boolean":
        return t("ja, nei")
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
        note = (f"retningslinjeteksten ble ikke funnet ({source.name} ved siden av "
                "arbeidsboken, eller --guideline FIL), så kildene er ikke sitert.")
    blocks = build(model, Path(path).name, paragraphs, note, order)
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)
